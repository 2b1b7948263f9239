import type {TdHostnode} from './hostnodes.js'
import type {TdInstance} from './instances.js'
import type {TdLocation, TdLocationGpu} from './location.js'

/**
 * Hostnodes have finite GPUs, as live: each (location, GPU model) listing stands for a hostnode
 * with `max_count` GPUs of that model (and the vCPUs, RAM and storage its `resources` list).
 * Every VM that is not deleted holds what it was created with; the API shows what is left, and
 * a create that does not fit answers as TensorDock does when sold out (providers.md §2.8).
 */
export interface ListingUse {
  gpus: number
  vcpus: number
  ramGb: number
  storageGb: number
}

export function listingKey(locationId: string, v0Name: string): string {
  return `${locationId}:${v0Name}`
}

/** What live VMs hold, per listing. */
export function usageByListing(live: readonly TdInstance[]): Map<string, ListingUse> {
  const usage = new Map<string, ListingUse>()
  for (const vm of live) {
    if (vm.locationId === null) continue
    const key = listingKey(vm.locationId, vm.v0Name)
    const use = usage.get(key) ?? {gpus: 0, vcpus: 0, ramGb: 0, storageGb: 0}
    use.gpus += vm.gpuCount
    use.vcpus += vm.vcpuCount
    use.ramGb += vm.ramGb
    use.storageGb += vm.storageGb
    usage.set(key, use)
  }
  return usage
}

/** A listing as `GET /locations` shows it now: its counts minus what live VMs hold (0 when sold out). */
export function remainingGpu(gpu: TdLocationGpu, use: ListingUse | undefined): TdLocationGpu {
  if (!use) return gpu
  const left = (total: number, taken: number) => Math.max(0, total - taken)
  return {
    ...gpu,
    max_count: left(gpu.max_count, use.gpus),
    resources: {
      max_vcpus: left(gpu.resources.max_vcpus, use.vcpus),
      max_ram_gb: left(gpu.resources.max_ram_gb, use.ramGb),
      max_storage_gb: left(gpu.resources.max_storage_gb, use.storageGb),
    },
  }
}

export function remainingLocations(locations: readonly TdLocation[], usage: Map<string, ListingUse>): TdLocation[] {
  return locations.map((l) => ({...l, gpus: l.gpus.map((g) => remainingGpu(g, usage.get(listingKey(l.id, g.v0Name))))}))
}

/** A hostnode as `GET /hostnodes` shows it now: available counts minus what live VMs hold. */
export function remainingHostnode(node: TdHostnode, usage: Map<string, ListingUse>): TdHostnode {
  const res = node.available_resources
  const use = res.gpus.reduce<ListingUse>(
    (sum, g) => {
      const u = usage.get(listingKey(node.location_id, g.v0Name))
      return u ? {gpus: sum.gpus, vcpus: sum.vcpus + u.vcpus, ramGb: sum.ramGb + u.ramGb, storageGb: sum.storageGb + u.storageGb} : sum
    },
    {gpus: 0, vcpus: 0, ramGb: 0, storageGb: 0},
  )
  return {
    ...node,
    available_resources: {
      ...res,
      gpus: res.gpus.map((g) => ({...g, availableCount: Math.max(0, g.availableCount - (usage.get(listingKey(node.location_id, g.v0Name))?.gpus ?? 0))})),
      vcpu_count: Math.max(0, res.vcpu_count - use.vcpus),
      ram_gb: Math.max(0, res.ram_gb - use.ramGb),
      storage_gb: Math.max(0, res.storage_gb - use.storageGb),
    },
  }
}
