import {DEFAULT_DISK_GB} from '../../core/limits.js'
import {asMicroUsd, type MicroUsd} from '../../core/money.js'
import type {NodePricing} from '../../core/node.js'
import {makeOfferId, type Offer} from '../../core/offer.js'
import type {HostGpu} from './host-gpus.js'
import {minimumGuestMemoryGiB, type GpuPreflight} from './passthrough-preflight.js'
import type {NodeReadiness} from './node-readiness.js'

/** What the offers of one node are made from: its settings, its last check, what is held. */
export interface NodeCapacity {
  name: string
  /** The tenant that registered the node: only it sees the node's offers. */
  tenantId: string | null
  region: string
  pricing: NodePricing
  readiness: NodeReadiness
  cpus: number
  memoryMiB: number
  /** Slots held by sessions: `gpu:<address>`, `cpu:<n>`. */
  heldSlots: ReadonlySet<string>
}

/** A CPU-only slice: enough to run a real Linux with cloud-init and SSH, even under TCG. */
export const CPU_SLICE = {vcpus: 2, memoryMiB: 2048} as const

/** The shape of a slice: what the offer promises and the VM gets. */
export interface SliceShape {
  /** GPU functions passed through, each with its group (`passTogether`); empty for a CPU-only slice. */
  gpus: GpuPreflight[]
  vcpus: number
  memoryMiB: number
}

export type SliceKind = {kind: 'cpu'} | {kind: 'gpu'; modelKey: string; count: number}

/**
 * `<node>.cpu` or `<node>.<count>x-<model key>`: node names have no dots, so the first dot
 * splits them; the model key is the model's name in lowercase with dashes.
 */
export function sliceOfferProviderId(node: string, slice: SliceKind): string {
  return slice.kind === 'cpu' ? `${node}.cpu` : `${node}.${slice.count}x-${slice.modelKey}`
}

export function parseSliceOfferProviderId(providerId: string): {node: string; slice: SliceKind} | null {
  const dot = providerId.indexOf('.')
  if (dot <= 0) return null
  const node = providerId.slice(0, dot)
  const rest = providerId.slice(dot + 1)
  if (rest === 'cpu') return {node, slice: {kind: 'cpu'}}
  const match = /^([1-9]\d*)x-([a-z0-9-]+)$/.exec(rest)
  if (!match) return null
  return {node, slice: {kind: 'gpu', count: Number(match[1]), modelKey: match[2]!}}
}

export function gpuModelKey(gpu: HostGpu): string {
  const name = gpu.model?.name ?? `${gpu.vendor}-${gpu.device.vendorId}-${gpu.device.deviceId}`
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
}

export function gpuModelName(gpu: HostGpu): string {
  return gpu.model?.name ?? `${gpu.vendor} ${gpu.device.vendorId}:${gpu.device.deviceId}`
}

/** The ready GPUs of a node nobody holds, by model key, in address order. */
export function freeGpusByModel(capacity: NodeCapacity): Map<string, GpuPreflight[]> {
  const byModel = new Map<string, GpuPreflight[]>()
  for (const report of capacity.readiness.passthrough.gpus) {
    if (!report.ready || capacity.heldSlots.has(gpuSlot(report))) continue
    const key = gpuModelKey(report.gpu)
    byModel.set(key, [...(byModel.get(key) ?? []), report])
  }
  return byModel
}

export function gpuSlot(report: GpuPreflight): string {
  return `gpu:${report.gpu.device.address}`
}

/** CPU-only slice numbers not held, 1..cpuSlices. */
export function freeCpuSlots(capacity: NodeCapacity): string[] {
  const free: string[] = []
  for (let n = 1; n <= capacity.pricing.cpuSlices; n++) if (!capacity.heldSlots.has(`cpu:${n}`)) free.push(`cpu:${n}`)
  return free
}

/**
 * A GPU slice's vCPUs and memory: the node's CPUs shared evenly among its GPUs (two kept for
 * the host), and at least as much memory as the GPUs have VRAM (see minimumGuestMemoryGiB).
 */
export function gpuSliceShape(capacity: NodeCapacity, gpus: GpuPreflight[]): SliceShape {
  const total = Math.max(1, capacity.readiness.passthrough.gpus.length)
  const cpuShare = Math.max(2, Math.floor((capacity.cpus - 2) / total))
  const memShareMiB = Math.floor((capacity.memoryMiB - 4096) / total)
  const vramMiB = gpus.reduce((sum, g) => sum + minimumGuestMemoryGiB(g.gpu) * 1024, 0)
  return {gpus, vcpus: cpuShare * gpus.length, memoryMiB: Math.max(vramMiB, memShareMiB * gpus.length)}
}

/**
 * A node's free capacity as offers, at the owner's prices: GPU slices of 1, 2, 4, … GPUs of a
 * model up to the free count (and the free count itself), and one CPU-only offer while a CPU
 * slice is free. A node that cannot run VMs offers nothing.
 */
export function nodeOffers(capacity: NodeCapacity, fetchedAt: number): Offer[] {
  if (!capacity.readiness.vmReady) return []
  const offers: Offer[] = []
  // VFIO passthrough needs KVM: a node running slices under TCG offers CPU-only slices alone.
  for (const [modelKey, free] of capacity.readiness.kvm ? freeGpusByModel(capacity) : []) {
    const sizes = new Set<number>()
    for (let n = 1; n <= free.length; n *= 2) sizes.add(n)
    sizes.add(free.length)
    for (const count of [...sizes].sort((a, b) => a - b)) {
      const shape = gpuSliceShape(capacity, free.slice(0, count))
      const first = free[0]!.gpu
      offers.push(
        offer(capacity, sliceOfferProviderId(capacity.name, {kind: 'gpu', modelKey, count}), {
          gpuType: gpuModelName(first),
          gpuCount: count,
          vramGb: first.model?.vramGb ?? 0,
          pricePerHour: asMicroUsd(capacity.pricing.pricePerGpuHour * count),
          shape,
          fetchedAt,
        }),
      )
    }
  }
  if (freeCpuSlots(capacity).length > 0) {
    offers.push(
      offer(capacity, sliceOfferProviderId(capacity.name, {kind: 'cpu'}), {
        gpuType: 'CPU',
        gpuCount: 0,
        vramGb: 0,
        pricePerHour: capacity.pricing.cpuSlicePricePerHour,
        shape: {gpus: [], ...CPU_SLICE},
        fetchedAt,
      }),
    )
  }
  return offers
}

function offer(
  capacity: NodeCapacity,
  providerId: string,
  o: {gpuType: string; gpuCount: number; vramGb: number; pricePerHour: MicroUsd; shape: SliceShape; fetchedAt: number},
): Offer {
  const ramGb = Math.floor(o.shape.memoryMiB / 1024)
  return {
    id: makeOfferId('selfhosted', providerId),
    provider: 'selfhosted',
    providerId,
    gpuType: o.gpuType,
    gpuCount: o.gpuCount,
    vramGb: o.vramGb,
    pricePerHour: o.pricePerHour,
    location: capacity.region,
    countryCode: null,
    // Our own hardware has no marketplace score; offers without one pass any reliability floor.
    reliability: null,
    available: true,
    fetchedAt: o.fetchedAt,
    cudaVersion: null,
    diskGb: DEFAULT_DISK_GB,
    cpuCores: o.shape.vcpus,
    ramGb,
    inetDownMbps: null,
    // The owner's price is per GPU (or per CPU slice); disk on the node's own pool costs nothing more.
    priceIncludes: {diskGb: DEFAULT_DISK_GB, vcpus: o.shape.vcpus, ramGb},
    diskRate: null,
    tenantId: capacity.tenantId,
    hostId: `selfhosted:${capacity.name}`,
  }
}
