import {instanceLabel} from '../../../core/instance-label.js'
import type {GpuPreflight} from '../passthrough-preflight.js'
import {isPciAddress, type PciAddress} from '../pci-device.js'
import {instanceMetadataXml, type InstanceMetadata} from './domain-metadata.js'
import {domainNameOf, type DomainName} from './domain-names.js'
import {escapeXml} from './xml-text.js'

/** A GPU to pass through and every function that must go with it (its IOMMU group, bridges left out). */
export type PassthroughGpu = Pick<GpuPreflight, 'gpu' | 'passTogether'>

export type DomainBoot =
  | {kind: 'disk'}
  /** Direct kernel boot: how test slices boot a tiny kernel and initramfs in seconds under TCG. */
  | {kind: 'kernel'; kernel: string; initrd?: string; cmdline?: string}

export interface DomainSpec {
  /** Who owns the slice; the domain name is derived from it, so the two can never disagree. */
  instance: Omit<InstanceMetadata, 'gpuCount'>
  uuid?: string
  /** `kvm` on a real node; `qemu` is TCG emulation, for nodes (and tests) without /dev/kvm. */
  type: 'kvm' | 'qemu'
  vcpus: number
  memoryMiB: number
  boot: DomainBoot
  /** `efi` needs OVMF on the node and leaves an NVRAM file that undefine must remove. */
  firmware?: 'bios' | 'efi'
  overlayDiskPath: string
  seedIsoPath: string
  /** A libvirt network of the node (`default`). */
  network: string
  gpus: readonly PassthroughGpu[]
  /**
   * Hides the KVM signature from the guest: GeForce drivers before R465 refuse to start (error
   * 43) when they see a hypervisor. Harmless for data-centre cards, so it is the caller's call.
   */
  hideKvm?: boolean
}

export interface BuiltDomain {
  name: DomainName
  xml: string
  /** Every PCI function given to the guest, in document order. */
  hostdevs: PciAddress[]
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// eslint-disable-next-line no-control-regex -- a path with control characters is a mistake, never a real image
const ABSOLUTE_PATH = /^\/[^\u0000-\u001f\u007f]*$/

function fail(problem: string): never {
  throw new Error(`cannot build the domain XML: ${problem}`)
}

function checkInteger(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) fail(`${what} must be a whole number from ${min} to ${max}, got ${value}`)
}

function checkPath(what: string, path: string): void {
  if (!ABSOLUTE_PATH.test(path) || path.split('/').includes('..')) fail(`${what} must be an absolute path without '..' or control characters, got ${JSON.stringify(path)}`)
}

/**
 * The functions to hand to the guest: each GPU, its companions and its group, once each.
 * Two GPUs that share an IOMMU group both list each other, so duplicates are normal.
 */
export function hostdevAddresses(gpus: readonly PassthroughGpu[]): PciAddress[] {
  const all = new Set<PciAddress>()
  for (const {gpu, passTogether} of gpus) {
    for (const address of [gpu.device.address, ...gpu.companions.map((c) => c.address), ...passTogether]) {
      if (!isPciAddress(address)) fail(`${JSON.stringify(address)} is not a PCI address like 0000:65:00.0`)
      all.add(address)
    }
  }
  return [...all].sort()
}

function hostdevXml(address: PciAddress): string {
  const [domain = '', bus = '', slotFunction = ''] = address.split(':')
  const [slot = '', fn = ''] = slotFunction.split('.')
  return [
    `    <hostdev mode='subsystem' type='pci' managed='yes'>`,
    `      <source>`,
    `        <address domain='0x${domain}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/>`,
    `      </source>`,
    `    </hostdev>`,
  ].join('\n')
}

function osXml(spec: DomainSpec): string[] {
  const firmware = spec.firmware === 'efi' ? ` firmware='efi'` : ''
  const lines = [`  <os${firmware}>`, `    <type arch='x86_64' machine='q35'>hvm</type>`]
  if (spec.boot.kind === 'kernel') {
    const {kernel, initrd, cmdline} = spec.boot
    checkPath('kernel', kernel)
    lines.push(`    <kernel>${escapeXml(kernel)}</kernel>`)
    if (initrd !== undefined) {
      checkPath('initrd', initrd)
      lines.push(`    <initrd>${escapeXml(initrd)}</initrd>`)
    }
    if (cmdline !== undefined) {
      if (cmdline.length > 4096 || /[\r\n]/.test(cmdline)) fail('the kernel command line must be one line of at most 4096 characters')
      lines.push(`    <cmdline>${escapeXml(cmdline)}</cmdline>`)
    }
  } else {
    lines.push(`    <boot dev='hd'/>`)
  }
  lines.push(`  </os>`)
  return lines
}

/** A libvirt domain for one slice, ready for `virsh define`. Throws on anything it would not stand behind. */
export function buildDomainXml(spec: DomainSpec): BuiltDomain {
  const name = domainNameOf(instanceLabel(spec.instance.deploymentId, spec.instance.sessionId))
  if (spec.type !== 'kvm' && spec.type !== 'qemu') fail(`type must be kvm or qemu, got ${JSON.stringify(spec.type)}`)
  if (spec.uuid !== undefined && !UUID.test(spec.uuid)) fail(`uuid ${JSON.stringify(spec.uuid)} is not a UUID`)
  checkInteger('vcpus', spec.vcpus, 1, 512)
  // Below 256 MiB even a busybox guest with a kernel and cloud-init seed struggles; 4 TiB is a big host.
  checkInteger('memoryMiB', spec.memoryMiB, 256, 4 * 1024 * 1024)
  checkPath('overlay disk', spec.overlayDiskPath)
  checkPath('seed ISO', spec.seedIsoPath)
  if (!NETWORK_NAME.test(spec.network)) fail(`network ${JSON.stringify(spec.network)} is not a libvirt network name`)
  if (spec.gpus.length > 0 && spec.type !== 'kvm') fail('PCI passthrough needs type kvm (VFIO does not work under TCG)')
  const hostdevs = hostdevAddresses(spec.gpus)
  const metadata = instanceMetadataXml({...spec.instance, gpuCount: spec.gpus.length}, '    ')

  const features = ['    <acpi/>', '    <apic/>']
  if (spec.hideKvm) features.push(`    <kvm>`, `      <hidden state='on'/>`, `    </kvm>`)

  // host-passthrough: a GPU guest wants every host instruction (AVX-512 for data loading) and is
  // never migrated. Under TCG, `maximum` emulates everything QEMU can, so modern userlands run.
  const cpu = spec.type === 'kvm' ? `  <cpu mode='host-passthrough' check='none' migratable='off'/>` : `  <cpu mode='maximum' check='none'/>`

  const xml = [
    `<domain type='${spec.type}'>`,
    `  <name>${name}</name>`,
    ...(spec.uuid !== undefined ? [`  <uuid>${spec.uuid.toLowerCase()}</uuid>`] : []),
    `  <metadata>`,
    metadata,
    `  </metadata>`,
    `  <memory unit='MiB'>${spec.memoryMiB}</memory>`,
    `  <currentMemory unit='MiB'>${spec.memoryMiB}</currentMemory>`,
    `  <vcpu placement='static'>${spec.vcpus}</vcpu>`,
    ...osXml(spec),
    `  <features>`,
    ...features,
    `  </features>`,
    cpu,
    `  <clock offset='utc'/>`,
    // A guest that powers off stays off and is reaped by release; a crash is not restarted
    // behind the daemon's back (it would keep billing a broken slice).
    `  <on_poweroff>destroy</on_poweroff>`,
    `  <on_reboot>restart</on_reboot>`,
    `  <on_crash>destroy</on_crash>`,
    `  <devices>`,
    `    <disk type='file' device='disk'>`,
    `      <driver name='qemu' type='qcow2' discard='unmap'/>`,
    `      <source file='${escapeXml(spec.overlayDiskPath)}'/>`,
    `      <target dev='vda' bus='virtio'/>`,
    `    </disk>`,
    // q35 has no IDE, and cloud kernels (Debian's linux-image-cloud, the genericcloud images)
    // have no AHCI driver for its SATA: the seed goes on virtio-scsi, which every cloud kernel has.
    `    <controller type='scsi' index='0' model='virtio-scsi'/>`,
    `    <disk type='file' device='cdrom'>`,
    `      <driver name='qemu' type='raw'/>`,
    `      <source file='${escapeXml(spec.seedIsoPath)}'/>`,
    `      <target dev='sda' bus='scsi'/>`,
    `      <readonly/>`,
    `    </disk>`,
    `    <interface type='network'>`,
    `      <source network='${spec.network}'/>`,
    `      <model type='virtio'/>`,
    `    </interface>`,
    `    <serial type='pty'>`,
    `      <target port='0'/>`,
    `    </serial>`,
    `    <console type='pty'>`,
    `      <target type='serial' port='0'/>`,
    `    </console>`,
    // The guest agent is the fallback for the slice's address when the network has no DHCP lease for it.
    `    <channel type='unix'>`,
    `      <target type='virtio' name='org.qemu.guest_agent.0'/>`,
    `    </channel>`,
    // No emulated display: the passed-through GPU is the guest's only one, and the console is serial.
    `    <video>`,
    `      <model type='none'/>`,
    `    </video>`,
    `    <rng model='virtio'>`,
    `      <backend model='random'>/dev/urandom</backend>`,
    `    </rng>`,
    // VFIO pins all guest memory, so a balloon could never give any back.
    ...(hostdevs.length > 0 ? [`    <memballoon model='none'/>`] : []),
    ...hostdevs.map(hostdevXml),
    `  </devices>`,
    `</domain>`,
  ].join('\n')
  return {name, xml: `${xml}\n`, hostdevs}
}
