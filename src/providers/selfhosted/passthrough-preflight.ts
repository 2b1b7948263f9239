import {findHostGpus, type HostGpu} from './host-gpus.js'
import type {HostFacts, HostProbe, OpenDeviceNode} from './host-probe.js'
import {
  groupSharedWithGpus,
  groupSharedWithStrangers,
  hostDriverBound,
  inUse,
  iommuOffForGpu,
  iommuOffOnHost,
  noGpus,
  noIommuGroup,
  notEnoughMemory,
  notEnoughMemoryForAll,
  processScanIncomplete,
  usageUnknown,
  vfioPciFinding,
  vfioPciMissingForGpu,
  type Finding,
  type GpuFindingCode,
  type HostFindingCode,
} from './passthrough-findings.js'
import {isPciBridge, type PciAddress, type PciDevice} from './pci-device.js'

/** One GPU's verdict: ready when no finding is a blocker; warnings say what to know or do anyway. */
export interface GpuPreflight {
  gpu: HostGpu
  ready: boolean
  /**
   * Every PCI function a VM with this GPU must be given, by address: the GPU, its companion
   * functions, and any other GPU (with its functions) that shares its IOMMU group. Bridges
   * in the group are left out: they stay with the host.
   */
  passTogether: PciAddress[]
  findings: Finding<GpuFindingCode>[]
}

/** `nodes check` for one host: what stops passthrough on the host as a whole, and per GPU. */
export interface PassthroughReport {
  /** At least one GPU is ready. */
  passthroughPossible: boolean
  host: Finding<HostFindingCode>[]
  gpus: GpuPreflight[]
}

/**
 * A VM for a GPU needs at least as much RAM as the GPU has VRAM (pinned staging buffers,
 * loading a model that fills the card), and VFIO pins every guest page when the VM starts,
 * so the host must have it free then. A GPU of unknown size is counted as 16 GiB.
 */
export const UNKNOWN_VRAM_GUEST_GIB = 16

export function minimumGuestMemoryGiB(gpu: HostGpu): number {
  return gpu.model?.vramGb ?? UNKNOWN_VRAM_GUEST_GIB
}

const NO_HOST_DRIVER = new Set(['vfio-pci', 'pci-stub'])

/** Judges a probed host for VFIO passthrough of each of its GPUs. Pure: the probe is all it reads. */
export function checkPassthrough(probe: HostProbe): PassthroughReport {
  const {host} = probe
  const gpus = findHostGpus(probe.devices)
  // The groups tell whether the IOMMU is on even where /sys/kernel/iommu_groups was not counted.
  const iommuOn = host.iommuGroupCount > 0 || probe.devices.some((device) => device.iommuGroup !== null)
  const memoryForGuestsKiB = Math.max(host.memAvailableKiB, hugePagesFreeKiB(host))

  const reports = gpus.map((gpu) => {
    const unit = passthroughUnit(gpu, gpus, probe.devices)
    const findings: Finding<GpuFindingCode>[] = []
    if (!iommuOn) findings.push(iommuOffForGpu(gpu, host))
    else if (gpu.device.iommuGroup === null) findings.push(noIommuGroup(gpu))
    if (unit.strangers.length > 0) findings.push(groupSharedWithStrangers(gpu, unit.strangers))
    if (unit.otherGpus.length > 0) findings.push(groupSharedWithGpus(gpu, unit.otherGpus))
    if (host.vfioPci === 'missing') findings.push(vfioPciMissingForGpu(gpu))
    const bound = [gpu.device, ...gpu.companions].filter((device) => device.driver !== null && !NO_HOST_DRIVER.has(device.driver))
    if (bound.length > 0) findings.push(hostDriverBound(gpu, bound))
    for (const holder of holdersOf(unit.members, probe)) findings.push(inUse(gpu, holder))
    if (probe.processScan !== 'complete') findings.push(usageUnknown(gpu, probe.processScan))
    const needGiB = [gpu, ...unit.otherGpus].reduce((sum, each) => sum + minimumGuestMemoryGiB(each), 0)
    if (needGiB * 1024 * 1024 > memoryForGuestsKiB) findings.push(notEnoughMemory(gpu, needGiB, host))
    return {
      gpu,
      ready: !findings.some((finding) => finding.severity === 'blocker'),
      passTogether: unit.members.map((device) => device.address).sort(),
      findings,
    }
  })

  return {passthroughPossible: reports.some((report) => report.ready), host: hostFindings(probe, gpus, iommuOn, reports), gpus: reports}
}

function hostFindings(probe: HostProbe, gpus: HostGpu[], iommuOn: boolean, reports: GpuPreflight[]): Finding<HostFindingCode>[] {
  const {host} = probe
  const findings: Finding<HostFindingCode>[] = []
  if (gpus.length === 0) findings.push(noGpus(probe.devices.length))
  if (!iommuOn) findings.push(iommuOffOnHost(host))
  const vfio = vfioPciFinding(host.vfioPci)
  if (vfio) findings.push(vfio)
  if (gpus.length > 0 && probe.processScan !== 'complete') findings.push(processScanIncomplete(probe.processScan))
  // Each ready GPU fits alone; say so when they do not all fit at once.
  const ready = reports.filter((report) => report.ready).map((report) => minimumGuestMemoryGiB(report.gpu)).sort((a, b) => a - b)
  const totalKiB = host.memAvailableKiB + hugePagesFreeKiB(host)
  let fitting = 0
  let usedKiB = 0
  for (const gib of ready) {
    if (usedKiB + gib * 1024 * 1024 > totalKiB) break
    usedKiB += gib * 1024 * 1024
    fitting++
  }
  if (fitting < ready.length) findings.push(notEnoughMemoryForAll(ready, fitting, host))
  return findings
}

function hugePagesFreeKiB(host: HostFacts): number {
  return host.hugePages.free * host.hugePages.sizeKiB
}

interface PassthroughUnit {
  /** The GPU, its companions, and everything sharing an IOMMU group with any of them, bridges aside. */
  members: PciDevice[]
  /** Members that belong to no GPU: a NIC or disk controller the group ties to the card. */
  strangers: PciDevice[]
  otherGpus: HostGpu[]
}

/**
 * VFIO assigns whole IOMMU groups: whatever shares a group with the GPU or one of its
 * functions goes with it, and a GPU pulled in brings its own functions and their groups.
 */
function passthroughUnit(gpu: HostGpu, gpus: readonly HostGpu[], devices: readonly PciDevice[]): PassthroughUnit {
  const gpuOwning = new Map<string, HostGpu>()
  for (const each of gpus) for (const device of [each.device, ...each.companions]) gpuOwning.set(device.address, each)
  const groupMembers = new Map<number, PciDevice[]>()
  for (const device of devices) {
    if (device.iommuGroup === null || isPciBridge(device)) continue
    groupMembers.set(device.iommuGroup, [...(groupMembers.get(device.iommuGroup) ?? []), device])
  }

  const members = new Map<string, PciDevice>()
  const pending = [gpu.device, ...gpu.companions]
  for (let device = pending.pop(); device !== undefined; device = pending.pop()) {
    if (members.has(device.address)) continue
    members.set(device.address, device)
    const owner = gpuOwning.get(device.address)
    if (owner) pending.push(owner.device, ...owner.companions)
    if (device.iommuGroup !== null) pending.push(...(groupMembers.get(device.iommuGroup) ?? []))
  }

  const all = [...members.values()]
  const otherGpus = gpus.filter((each) => each !== gpu && members.has(each.device.address))
  return {members: all, strangers: all.filter((device) => !gpuOwning.has(device.address)), otherGpus}
}

/** Processes holding a device file of the unit (`/dev/nvidia0`, `/dev/dri/renderD128`) or one of its groups (`/dev/vfio/12`). */
function holdersOf(members: readonly PciDevice[], probe: HostProbe): OpenDeviceNode[] {
  const addresses = new Set<string>(members.map((device) => device.address))
  const nodes = new Set(probe.deviceNodes.filter((node) => addresses.has(node.address)).map((node) => node.node))
  for (const device of members) if (device.iommuGroup !== null) nodes.add(`/dev/vfio/${device.iommuGroup}`)
  return probe.openDeviceNodes.filter((open) => nodes.has(open.node))
}
