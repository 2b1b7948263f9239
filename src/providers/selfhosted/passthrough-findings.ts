import {describeHostGpu, type HostGpu} from './host-gpus.js'
import type {HostFacts, OpenDeviceNode, ProcessScan} from './host-probe.js'
import {describePciDevice, type PciDevice} from './pci-device.js'

/** A blocker stops passthrough; a warning is worth knowing, or doing, but does not. */
export type Severity = 'blocker' | 'warning'

export interface Finding<Code extends string> {
  code: Code
  severity: Severity
  /** What is wrong, in the host's own terms: addresses, drivers, processes, sizes. */
  message: string
  /** The exact change that removes the finding, commands included. */
  fix: string
}

export type HostFindingCode =
  | 'no-gpus'
  | 'iommu-off'
  | 'vfio-pci-missing'
  | 'vfio-pci-not-loaded'
  | 'vfio-pci-unknown'
  | 'process-scan-incomplete'
  | 'not-enough-memory-for-all'

export type GpuFindingCode =
  | 'iommu-off'
  | 'no-iommu-group'
  | 'iommu-group-shared'
  | 'iommu-group-with-gpus'
  | 'vfio-pci-missing'
  | 'host-driver'
  | 'in-use'
  | 'usage-unknown'
  | 'not-enough-memory'

type HostFinding = Finding<HostFindingCode>
type GpuFinding = Finding<GpuFindingCode>

export function noGpus(deviceCount: number): HostFinding {
  return {
    code: 'no-gpus',
    severity: 'blocker',
    message: `No GPU among the host's ${deviceCount} PCI devices: no display controller of NVIDIA, AMD or Intel (integrated graphics aside).`,
    fix: 'Nothing to fix for CPU-only slices. For GPU slices install a card; if one is installed, check that `lspci -nn` lists it and that its slot is enabled in the firmware setup.',
  }
}

export function iommuOffOnHost(host: HostFacts): HostFinding {
  return {
    code: 'iommu-off',
    severity: 'blocker',
    message: `The IOMMU is off: /sys/kernel/iommu_groups is empty and no PCI device has an IOMMU group, so VFIO can isolate nothing${host.virtualMachine ? ' (this host is itself a virtual machine)' : ''}.`,
    fix: iommuFix(host),
  }
}

export function iommuOffForGpu(gpu: HostGpu, host: HostFacts): GpuFinding {
  return {
    code: 'iommu-off',
    severity: 'blocker',
    message: `${describeHostGpu(gpu)} has no IOMMU group because the IOMMU is off on this host.`,
    fix: iommuFix(host),
  }
}

/** The fix depends on why the IOMMU is off: never asked for, switched off, absent in the firmware, or a VM without a vIOMMU. */
function iommuFix(host: HostFacts): string {
  const params = host.kernelCommandLine.split(/\s+/)
  const switchedOff = params.filter((param) => /^(?:intel_iommu|amd_iommu|iommu)=off$/.test(param))
  const asked = params.filter((param) => param === 'intel_iommu=on' || param === 'amd_iommu=on')
  const wanted =
    host.cpuVendor === 'intel' ? '`intel_iommu=on iommu=pt`'
    : host.cpuVendor === 'amd' ? '`amd_iommu=on iommu=pt`'
    : '`intel_iommu=on iommu=pt` (or `amd_iommu=on iommu=pt` on AMD)'
  const firmware = host.cpuVendor === 'intel' ? 'VT-d' : host.cpuVendor === 'amd' ? 'the IOMMU (AMD-Vi)' : 'VT-d (Intel) or the IOMMU (AMD-Vi)'
  const addToCmdline = `add ${wanted} to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, then \`update-grub\` or \`grub2-mkconfig -o /boot/grub2/grub.cfg\`) and reboot`
  if (host.virtualMachine) {
    return `This host is itself a virtual machine: its hypervisor must give it a virtual IOMMU (QEMU: \`-device intel-iommu,caching-mode=on\`) as well as the GPU; then ${addToCmdline}. A bare-metal host is the usual place for GPU passthrough.`
  }
  if (switchedOff.length > 0) return `Remove ${switchedOff.map((p) => `\`${p}\``).join(' ')} from the kernel command line, ${addToCmdline}; enable ${firmware} in the firmware setup if it is off.`
  if (asked.length > 0) return `The kernel was asked for the IOMMU (${asked.map((p) => `\`${p}\``).join(' ')}) but found none: enable ${firmware} in the firmware (BIOS/UEFI) setup and reboot.`
  return `Enable ${firmware} in the firmware setup if it is off, ${addToCmdline}.`
}

export function noIommuGroup(gpu: HostGpu): GpuFinding {
  return {
    code: 'no-iommu-group',
    severity: 'blocker',
    message: `The IOMMU is on but ${describeHostGpu(gpu)} is in no IOMMU group: the IOMMU does not cover its slot.`,
    fix: 'Move the card to a slot wired to the CPU, or update the firmware; until then it cannot be passed through.',
  }
}

export function groupSharedWithStrangers(gpu: HostGpu, strangers: readonly PciDevice[]): GpuFinding {
  const groups = [...new Set(strangers.map((device) => device.iommuGroup))].join(', ')
  const them = strangers.length === 1 ? 'it' : 'them'
  return {
    code: 'iommu-group-shared',
    severity: 'blocker',
    message: `IOMMU group ${groups} of ${describeHostGpu(gpu)} also holds ${strangers.map(describePciDevice).join(', ')}, not part of the card: VFIO can only assign a whole group.`,
    fix: `Move the card to a slot whose IOMMU group holds only the card (\`ls /sys/kernel/iommu_groups/*/devices\` shows the groups), or pass the whole group, ${strangers.map((device) => device.address).join(', ')} included, to the same VM, which takes ${them} away from the host.`,
  }
}

export function groupSharedWithGpus(gpu: HostGpu, others: readonly HostGpu[]): GpuFinding {
  return {
    code: 'iommu-group-with-gpus',
    severity: 'warning',
    message: `${describeHostGpu(gpu)} shares an IOMMU group with ${others.map(describeHostGpu).join(', ')}: they can only be passed through together, to one VM.`,
    fix: `Lease them as one slice of ${others.length + 1} GPUs, or move a card to a slot with its own IOMMU group to lease them apart.`,
  }
}

const VFIO_PCI_MISSING_FIX =
  'Boot a kernel built with CONFIG_VFIO_PCI (the standard kernels of Debian, Ubuntu and RHEL have it), then `modprobe vfio-pci`.'

export function vfioPciMissingForGpu(gpu: HostGpu): GpuFinding {
  return {
    code: 'vfio-pci-missing',
    severity: 'blocker',
    message: `${describeHostGpu(gpu)} cannot be bound to vfio-pci: this kernel has no vfio-pci driver.`,
    fix: VFIO_PCI_MISSING_FIX,
  }
}

/** What the host's vfio-pci state calls for; null when it is loaded. */
export function vfioPciFinding(state: HostFacts['vfioPci']): HostFinding | null {
  switch (state) {
    case 'loaded':
      return null
    case 'available':
      return {
        code: 'vfio-pci-not-loaded',
        severity: 'warning',
        message: 'The vfio-pci module is installed but not loaded.',
        fix: "Nothing is needed for libvirt's `<hostdev managed='yes'>`, which loads it when a VM starts; to load it at boot: `echo vfio-pci > /etc/modules-load.d/vfio-pci.conf`.",
      }
    case 'missing':
      return {
        code: 'vfio-pci-missing',
        severity: 'blocker',
        message: 'This kernel has no vfio-pci driver: it is neither loaded nor in the module index of the running kernel.',
        fix: VFIO_PCI_MISSING_FIX,
      }
    case 'unknown':
      return {
        code: 'vfio-pci-unknown',
        severity: 'warning',
        message: 'Could not tell whether this kernel has vfio-pci: it is not loaded and /lib/modules has no index for the running kernel.',
        fix: 'Run `modprobe vfio-pci` on the host; if it fails, boot a kernel built with CONFIG_VFIO_PCI.',
      }
  }
}

/** Bound to a host driver: managed='yes' can take it over, but only from an idle driver; vfio-pci for good avoids the race. */
export function hostDriverBound(gpu: HostGpu, bound: readonly PciDevice[]): GpuFinding {
  const them = bound.length === 1 ? 'it' : 'them'
  const bindings = bound.map((device, index) => `${device.address} ${index === 0 ? 'is bound to ' : 'to '}${device.driver}`).join(', ')
  const functions = [gpu.device, ...gpu.companions]
  const ids = [...new Set(functions.map((device) => `${device.vendorId}:${device.deviceId}`))].join(',')
  const drivers = [...new Set(bound.map((device) => device.driver))]
  const modprobeConf = [`options vfio-pci ids=${ids}`, ...drivers.map((driver) => `softdep ${driver} pre: vfio-pci`)]
  const cards = gpu.model ? `every ${gpu.model.name} on this host` : 'every card with these ids on this host'
  return {
    code: 'host-driver',
    severity: 'warning',
    message: `${bindings}, not vfio-pci. With \`<hostdev managed='yes'>\` libvirt detaches ${them} when the VM starts and gives ${them} back when it stops, which works only while no host process has ${them} open.`,
    fix: `To bind ${them} to vfio-pci for good: \`${bound.map((device) => `driverctl set-override ${device.address} vfio-pci`).join(' && ')}\` (kept across reboots); or, for ${cards}: put ${modprobeConf.map((line) => `\`${line}\``).join(', ')} in /etc/modprobe.d/vfio.conf, rebuild the initramfs (\`update-initramfs -u\` or \`dracut -f\`) and reboot.`,
  }
}

// The kernel keeps 15 characters of a process name.
const PERSISTENCED = 'nvidia-persiste'

export function inUse(gpu: HostGpu, holder: OpenDeviceNode): GpuFinding {
  const who = `${holder.command || 'a process that has since exited'} (pid ${holder.pid})`
  if (holder.node.startsWith('/dev/vfio/')) {
    return {
      code: 'in-use',
      severity: 'blocker',
      message: `${who} holds ${holder.node}: ${describeHostGpu(gpu)} is already assigned to a running VM.`,
      fix: 'Shut that VM down (`virsh list` shows the running domains) or choose another GPU.',
    }
  }
  return {
    code: 'in-use',
    severity: 'blocker',
    message: `${who} has ${holder.node} of ${describeHostGpu(gpu)} open: while it does, the host driver cannot let go of the GPU.`,
    fix: holder.command.startsWith(PERSISTENCED)
      ? '`systemctl disable --now nvidia-persistenced`: it keeps NVIDIA GPUs open for CUDA work on the host itself, which a passthrough host does not do.'
      : `Stop it (\`kill ${holder.pid}\`, or stop the service that runs it), then run the check again.`,
  }
}

function scanFix(scan: ProcessScan): string {
  return scan === 'unavailable'
    ? 'Install GNU findutils on the host (`apt install findutils` or `dnf install findutils`), then run the check again.'
    : 'Run the check as root on the node, then again.'
}

function scanGap(scan: ProcessScan): string {
  return scan === 'unavailable' ? 'could not list open device files (the probe needs GNU find)' : "could not see other users' processes (the probe did not run as root)"
}

export function usageUnknown(gpu: HostGpu, scan: ProcessScan): GpuFinding {
  return {
    code: 'usage-unknown',
    severity: 'warning',
    message: `The probe ${scanGap(scan)}, so a host process may have ${describeHostGpu(gpu)} open unnoticed.`,
    fix: scanFix(scan),
  }
}

export function processScanIncomplete(scan: ProcessScan): HostFinding {
  return {
    code: 'process-scan-incomplete',
    severity: 'warning',
    message: `The probe ${scanGap(scan)}: a GPU in use by a host process may be reported as free.`,
    fix: scanFix(scan),
  }
}

const KIB_PER_GIB = 1024 * 1024

function gib(kib: number): string {
  return `${Math.floor((kib / KIB_PER_GIB) * 10) / 10} GiB`
}

function memoryForGuests(host: HostFacts): string {
  const huge = host.hugePages.free * host.hugePages.sizeKiB
  return `the host has ${gib(host.memAvailableKiB)} available${huge > 0 ? ` and ${gib(huge)} in free huge pages` : ''}`
}

export function notEnoughMemory(gpu: HostGpu, needGiB: number, host: HostFacts): GpuFinding {
  return {
    code: 'not-enough-memory',
    severity: 'blocker',
    message: `A VM with ${describeHostGpu(gpu)} needs at least ${needGiB} GiB of RAM (as much as its GPUs' VRAM, all pinned by VFIO when the VM starts); ${memoryForGuests(host)}.`,
    fix: 'Free memory on the host (stop other VMs or services), add RAM, or reserve huge pages for the guests (`vm.nr_hugepages`).',
  }
}

export function notEnoughMemoryForAll(needsGiB: readonly number[], fitting: number, host: HostFacts): HostFinding {
  const total = needsGiB.reduce((sum, need) => sum + need, 0)
  return {
    code: 'not-enough-memory-for-all',
    severity: 'warning',
    message: `The ${needsGiB.length} ready GPUs need ${total} GiB of RAM for their VMs together; ${memoryForGuests(host)}: enough for ${fitting} at a time.`,
    fix: `Add RAM or free memory on the host to run them all at once; until then at most ${fitting} can be leased together.`,
  }
}
