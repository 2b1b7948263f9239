import {z} from 'zod'

import {PROBE_END, PROBE_SECTIONS, PROBE_VERSION_LINE, type ProbeSection} from './host-probe-script.js'
import {isPciAddress, parsePciDeviceList, type PciAddress, type PciDevice} from './pci-device.js'
import {ProbeOutputError} from './probe-output-error.js'

/** What the host itself says about VFIO, beyond its PCI devices. */
export interface HostFacts {
  /** Entries in /sys/kernel/iommu_groups: zero when the IOMMU is off or absent. */
  iommuGroupCount: number
  /** /proc/cmdline, to tell "never asked for" from "asked for but the firmware has none". */
  kernelCommandLine: string
  /** Which kernel parameter turns the IOMMU on: `intel_iommu=` or `amd_iommu=`. */
  cpuVendor: 'intel' | 'amd' | 'other'
  /** The CPU flags say a hypervisor runs below: passthrough then needs a virtual IOMMU from it. */
  virtualMachine: boolean
  /** `loaded` (or built in), `available` (in the module index), `missing`, or `unknown` (no index to read). */
  vfioPci: 'loaded' | 'available' | 'missing' | 'unknown'
  memAvailableKiB: number
  /** Reserved huge pages are not in MemAvailable; a VM backed by them draws from `free × sizeKiB`. */
  hugePages: {total: number; free: number; sizeKiB: number}
}

/** A device file that belongs to one PCI function: `/dev/nvidia0`, `/dev/dri/renderD128`. */
export interface DeviceNode {
  address: PciAddress
  node: string
}

/** A host process holding a GPU device file, or a group's `/dev/vfio/<n>` (a VM using it). */
export interface OpenDeviceNode {
  pid: number
  node: string
  /** The process name, cut to 15 characters by the kernel (`nvidia-persiste`); empty if it exited meanwhile. */
  command: string
}

/**
 * How much of the host's processes the scan saw: all of them (root), only the probing user's,
 * or none (no GNU find). Only `complete` lets "nobody holds it" be believed.
 */
export type ProcessScan = 'complete' | 'own-processes' | 'unavailable'

/** Everything one run of HOST_PROBE_SCRIPT reports. */
export interface HostProbe {
  devices: PciDevice[]
  host: HostFacts
  deviceNodes: DeviceNode[]
  openDeviceNodes: OpenDeviceNode[]
  processScan: ProcessScan
}

interface SectionLines {
  /** Line number of the section's header; its first body line is the next one. */
  headerLine: number
  lines: string[]
}

/** Reads the probe's output; throws a ProbeOutputError naming the first line it cannot read. */
export function parseHostProbe(text: string): HostProbe {
  const sections = splitSections(text)
  // In output order, so that the first bad line is the one reported.
  const devices = parsePciDeviceList(sections.devices.lines.join('\n'), sections.devices.headerLine + 1)
  const host = parseHostFacts(sections.host)
  const deviceNodes = parseDeviceNodes(sections['device-nodes'])
  const open = parseOpenDeviceNodes(sections['open-device-nodes'])
  return {devices, host, deviceNodes, openDeviceNodes: open.nodes, processScan: open.scan}
}

function splitSections(text: string): Record<ProbeSection, SectionLines> {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines[0] !== PROBE_VERSION_LINE) {
    throw new ProbeOutputError(1, lines[0] ?? '', `expected "${PROBE_VERSION_LINE}": not this version's probe output`)
  }
  const sections: Partial<Record<ProbeSection, SectionLines>> = {}
  let current: SectionLines | null = null
  let next = 0
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const lineNumber = i + 1
    if (!line.startsWith('[')) {
      if (current === null) throw new ProbeOutputError(lineNumber, line, 'expected a section header such as [devices]')
      current.lines.push(line)
      continue
    }
    const expected = PROBE_SECTIONS[next]
    if (expected === undefined) {
      if (line !== PROBE_END) throw new ProbeOutputError(lineNumber, line, `expected ${PROBE_END} after the last section`)
      if (i !== lines.length - 1) throw new ProbeOutputError(lineNumber + 1, lines[i + 1] ?? '', `nothing may follow ${PROBE_END}`)
      return sections as Record<ProbeSection, SectionLines>
    }
    if (line !== `[${expected}]`) throw new ProbeOutputError(lineNumber, line, `expected [${expected}] here (the probe prints its sections in order)`)
    current = {headerLine: lineNumber, lines: []}
    sections[expected] = current
    next++
  }
  throw new ProbeOutputError(lines.length, lines.at(-1) ?? '', `the output stops before ${PROBE_END}: the probe was cut off`)
}

const count = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number)

const hostFieldsSchema = z.strictObject({
  iommu_groups: count,
  cmdline: z.string(),
  cpu_vendor: z.string(),
  hypervisor: z.enum(['yes', 'no']),
  vfio_pci: z.enum(['loaded', 'available', 'missing', 'unknown']),
  mem_available_kb: count,
  // Kernels built without hugetlbfs print no HugePages lines at all.
  hugepages_total: count.optional(),
  hugepages_free: count.optional(),
  hugepage_size_kb: count.optional(),
})

function parseHostFacts(section: SectionLines): HostFacts {
  const fields: Record<string, string> = {}
  const where = new Map<string, {lineNumber: number; line: string}>()
  section.lines.forEach((line, index) => {
    const lineNumber = section.headerLine + 1 + index
    const eq = line.indexOf('=')
    if (eq <= 0) throw new ProbeOutputError(lineNumber, line, 'expected key=value')
    const key = line.slice(0, eq)
    if (where.has(key)) throw new ProbeOutputError(lineNumber, line, `${key} appears twice`)
    fields[key] = line.slice(eq + 1)
    where.set(key, {lineNumber, line})
  })
  const parsed = hostFieldsSchema.safeParse(fields)
  if (!parsed.success) throw hostFieldError(parsed.error.issues[0], section, where)
  const facts = parsed.data
  return {
    iommuGroupCount: facts.iommu_groups,
    kernelCommandLine: facts.cmdline,
    cpuVendor: facts.cpu_vendor === 'GenuineIntel' ? 'intel' : facts.cpu_vendor === 'AuthenticAMD' ? 'amd' : 'other',
    virtualMachine: facts.hypervisor === 'yes',
    vfioPci: facts.vfio_pci,
    memAvailableKiB: facts.mem_available_kb,
    hugePages: {total: facts.hugepages_total ?? 0, free: facts.hugepages_free ?? 0, sizeKiB: facts.hugepage_size_kb ?? 0},
  }
}

/** Names the line of a bad or unknown key, or the section header when a key is missing. */
function hostFieldError(
  issue: z.core.$ZodIssue | undefined,
  section: SectionLines,
  where: Map<string, {lineNumber: number; line: string}>,
): ProbeOutputError {
  const unknownKey = issue?.code === 'unrecognized_keys' ? issue.keys[0] : undefined
  const key = unknownKey ?? String(issue?.path[0] ?? '')
  const at = where.get(key)
  if (at === undefined) return new ProbeOutputError(section.headerLine, '[host]', `missing ${key}=`)
  return new ProbeOutputError(at.lineNumber, at.line, unknownKey !== undefined ? `unknown key ${key}` : `${key}: ${issue?.message}`)
}

const DEVICE_NODE_LINE = /^(\S+) node=(\/dev\/\S+)$/

function parseDeviceNodes(section: SectionLines): DeviceNode[] {
  return section.lines.map((line, index) => {
    const match = DEVICE_NODE_LINE.exec(line)
    const address = match?.[1] ?? ''
    if (!match || !isPciAddress(address)) {
      throw new ProbeOutputError(section.headerLine + 1 + index, line, 'expected <address> node=/dev/<name>')
    }
    return {address, node: match[2] ?? ''}
  })
}

const SCAN_LINE = /^scan=(complete|own-processes|unavailable)$/
// comm comes last because a process may name itself with spaces.
const OPEN_NODE_LINE = /^pid=(\d+) node=(\/dev\/\S+) comm=(.*)$/

function parseOpenDeviceNodes(section: SectionLines): {scan: ProcessScan; nodes: OpenDeviceNode[]} {
  const [first, ...rest] = section.lines
  const scan = SCAN_LINE.exec(first ?? '')?.[1] as ProcessScan | undefined
  if (scan === undefined) {
    throw new ProbeOutputError(section.headerLine + 1, first ?? '', 'expected scan=complete, scan=own-processes or scan=unavailable first')
  }
  const nodes = rest.map((line, index) => {
    const match = OPEN_NODE_LINE.exec(line)
    if (!match) throw new ProbeOutputError(section.headerLine + 2 + index, line, 'expected pid=<n> node=/dev/<name> comm=<name>')
    return {pid: Number(match[1]), node: match[2] ?? '', command: match[3] ?? ''}
  })
  return {scan, nodes}
}
