import {z} from 'zod'

import {ProbeOutputError} from './probe-output-error.js'

/** A PCI function as sysfs names it, `domain:bus:device.function` in lower-case hex (`0000:00:06.0`). */
export type PciAddress = string & {readonly __brand: 'PciAddress'}

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/

export function isPciAddress(value: string): value is PciAddress {
  return PCI_ADDRESS.test(value)
}

/** One PCI function of a host, as /sys/bus/pci/devices/<address>/ describes it. */
export interface PciDevice {
  address: PciAddress
  /** Four lower-case hex digits without `0x` (`10de`), as `lspci -n` and `vfio-pci ids=` spell them. */
  vendorId: string
  deviceId: string
  /** Six hex digits: base class, subclass, programming interface (`030200` = 3D controller). */
  classCode: string
  /** The bound driver's name (`nvidia`, `vfio-pci`); null when no driver holds the device. */
  driver: string | null
  /** Null when the device has no group, which is every device when the IOMMU is off. */
  iommuGroup: number | null
  /** Null where sysfs says -1: no NUMA affinity (single-node hosts, most VMs). */
  numaNode: number | null
}

/** The slot: the address without its function, shared by a card's GPU, audio and USB functions. */
export function pciSlotOf(address: PciAddress): string {
  return address.slice(0, address.lastIndexOf('.'))
}

/** PCI-to-PCI bridges (root ports, switch ports) share groups with what sits behind them but are never passed through. */
export function isPciBridge(device: PciDevice): boolean {
  return device.classCode.startsWith('0604')
}

const hexId = (digits: number) =>
  z
    .string()
    .regex(new RegExp(`^0x[0-9a-f]{${digits}}$`, 'i'), `expected 0x and ${digits} hex digits`)
    .transform((v) => v.slice(2).toLowerCase())

const deviceFieldsSchema = z.object({
  vendor: hexId(4),
  device: hexId(4),
  class: hexId(6),
  // Kernel driver names: letters, digits, `_`, `-` (`vfio-pci`, `snd_hda_intel`).
  driver: z.string().regex(/^[\w-]*$/, 'expected a driver name or nothing'),
  iommu_group: z.string().regex(/^\d*$/, 'expected a group number or nothing'),
  numa: z.string().regex(/^-?\d+$/, 'expected a NUMA node number'),
})

const FIELDS = ['vendor', 'device', 'class', 'driver', 'iommu_group', 'numa'] as const
const LINE_SHAPE = '<address> vendor=0x.... device=0x.... class=0x...... driver=<name> iommu_group=<n> numa=<n>'

/**
 * Reads one device line, `<address> vendor=0x10de device=0x2330 class=0x030200 driver=nvidia
 * iommu_group= numa=-1`: the format of fixtures/pci/sysfs-h100-no-iommu.txt, which the host
 * probe prints. Throws a ProbeOutputError naming the line and the field that is wrong.
 */
export function parsePciDeviceLine(line: string, lineNumber: number): PciDevice {
  function fail(problem: string): never {
    throw new ProbeOutputError(lineNumber, line, problem)
  }
  const [address = '', ...pairs] = line.split(' ')
  if (!isPciAddress(address)) fail(`expected a PCI address like 0000:00:06.0 first, in ${LINE_SHAPE}`)
  const fields: Record<string, string> = {}
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) fail(`expected key=value, got ${JSON.stringify(pair)}`)
    const key = pair.slice(0, eq)
    if (key in fields) fail(`${key} appears twice`)
    fields[key] = pair.slice(eq + 1)
  }
  const missing = FIELDS.filter((key) => !(key in fields))
  if (missing.length > 0) fail(`missing ${missing.join(', ')} in ${LINE_SHAPE}`)
  const unknown = Object.keys(fields).filter((key) => !(FIELDS as readonly string[]).includes(key))
  if (unknown.length > 0) fail(`unknown field ${unknown.join(', ')} in ${LINE_SHAPE}`)
  const parsed = deviceFieldsSchema.safeParse(fields)
  if (!parsed.success) fail(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'line'}: ${issue.message}`).join('; '))
  const {vendor, device, class: classCode, driver, iommu_group: group, numa} = parsed.data
  const numaNode = Number(numa)
  return {
    address,
    vendorId: vendor,
    deviceId: device,
    classCode,
    driver: driver === '' ? null : driver,
    iommuGroup: group === '' ? null : Number(group),
    numaNode: numaNode < 0 ? null : numaNode,
  }
}

/** Reads a list of device lines (blank lines skipped); `firstLineNumber` places them in a larger output for errors. */
export function parsePciDeviceList(text: string, firstLineNumber = 1): PciDevice[] {
  const devices: PciDevice[] = []
  const seen = new Set<string>()
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return
    const device = parsePciDeviceLine(line, firstLineNumber + index)
    if (seen.has(device.address)) throw new ProbeOutputError(firstLineNumber + index, line, `${device.address} is listed twice`)
    seen.add(device.address)
    devices.push(device)
  })
  return devices
}

// The PCI base classes a preflight names when it explains a group (PCI Code and ID Assignment spec).
const BASE_CLASS_NAMES: Record<string, string> = {
  '00': 'unclassified device',
  '01': 'storage controller',
  '02': 'network controller',
  '03': 'display controller',
  '04': 'multimedia controller',
  '05': 'memory controller',
  '06': 'bridge',
  '07': 'communication controller',
  '08': 'system peripheral',
  '0c': 'serial bus controller',
  '12': 'processing accelerator',
}

/** `0000:04:00.0 (8086:15f3 network controller, driver igc)`: a device as a finding names it. */
export function describePciDevice(device: PciDevice): string {
  const kind = BASE_CLASS_NAMES[device.classCode.slice(0, 2)] ?? `class ${device.classCode}`
  return `${device.address} (${device.vendorId}:${device.deviceId} ${kind}, ${device.driver ? `driver ${device.driver}` : 'no driver'})`
}
