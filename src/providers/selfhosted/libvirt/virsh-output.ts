import {unescapeXml} from './xml-text.js'

/**
 * Readers of what the virsh commands of virsh-commands.ts print (always under LC_ALL=C).
 * Tables are virsh's human format, the only one it has: they are read by their header, and
 * any output that does not have the shape virsh 6 to 10 print is refused rather than guessed.
 */

export class VirshOutputError extends Error {
  constructor(
    readonly subcommand: string,
    readonly problem: string,
    readonly output: string,
  ) {
    super(`unexpected \`virsh ${subcommand}\` output: ${problem}: ${JSON.stringify(output.length > 400 ? `${output.slice(0, 400)}…` : output)}`)
    this.name = 'VirshOutputError'
  }
}

function lines(text: string): string[] {
  return text.split(/\r?\n/)
}

/** The rows of a virsh table: whatever follows the header and its line of dashes. */
function tableRows(subcommand: string, text: string, header: RegExp): {header: string; rows: string[]} {
  const all = lines(text)
  const at = all.findIndex((line) => header.test(line))
  if (at < 0 || !/^-+$/.test(all[at + 1]?.trim() ?? '')) throw new VirshOutputError(subcommand, 'no table header', text)
  return {header: all[at]!, rows: all.slice(at + 2).filter((line) => line.trim() !== '')}
}

export interface VolumeEntry {
  name: string
  path: string
}

/**
 * `virsh vol-list <pool>`. Columns are cut where the header's `Path` starts: virsh pads the name
 * column to its longest entry, so a volume name with spaces (not ours, but a pool is shared)
 * still reads right.
 */
export function parseVolList(text: string): VolumeEntry[] {
  const {header, rows} = tableRows('vol-list', text, /^\s*Name\s+Path\s*$/)
  const pathAt = header.indexOf('Path')
  return rows.map((row) => {
    const name = row.slice(0, pathAt).trim()
    const path = row.slice(pathAt).trim()
    if (name === '' || !path.startsWith('/') || row.slice(pathAt - 1, pathAt) !== ' ') {
      // Wider-than-ASCII names shift the columns: fall back to the last run of spaces before a path.
      const match = /^\s*(.+?)\s{2,}(\/.*?)\s*$/.exec(row)
      if (!match) throw new VirshOutputError('vol-list', 'a row without a name and a path', row)
      return {name: match[1]!, path: match[2]!}
    }
    return {name, path}
  })
}

/** virsh's words for a domain's state, and ours. `idle` is libvirt's BLOCKED (waiting on I/O). */
const DOMAIN_STATES = {
  'no state': 'no-state',
  running: 'running',
  idle: 'blocked',
  paused: 'paused',
  'in shutdown': 'shutting-down',
  'shut off': 'shut-off',
  crashed: 'crashed',
  pmsuspended: 'pmsuspended',
} as const

export type DomainState = (typeof DOMAIN_STATES)[keyof typeof DOMAIN_STATES]

export interface DomainStateReport {
  state: DomainState
  /** Why, from `--reason`: `booted`, `destroyed`, `shutdown`, `crashed`, `failed`, `unknown`…; null without it. */
  reason: string | null
}

/** `virsh domstate <dom> [--reason]`: `running (booted)`, `shut off (destroyed)`, `paused (user)`. */
export function parseDomState(text: string): DomainStateReport {
  const words = text.trim()
  const match = /^([a-z ]+?)(?: \(([a-z -]+)\))?$/.exec(words)
  const state = match ? DOMAIN_STATES[match[1] as keyof typeof DOMAIN_STATES] : undefined
  if (!match || state === undefined) throw new VirshOutputError('domstate', `expected one of ${Object.keys(DOMAIN_STATES).join(', ')}`, text)
  return {state, reason: match[2] ?? null}
}

export interface InterfaceAddress {
  /** The host-side name (`vnet0`) for `lease`/`arp`, the guest's (`enp1s0`) for `agent`. */
  interfaceName: string
  mac: string | null
  ipv4: string
  prefix: number
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/**
 * The slice's IPv4 address from `virsh domifaddr`: the first address of the first interface
 * that has one, skipping loopback (the agent lists the guest's `lo` first). Null when no
 * interface has an IPv4 address yet, which is normal while the guest boots.
 */
export function parseDomIfAddr(text: string): InterfaceAddress | null {
  const {rows} = tableRows('domifaddr', text, /^\s*Name\s+MAC address\s+Protocol\s+Address\s*$/)
  let current: {name: string; mac: string | null} | null = null
  for (const row of rows) {
    const fields = row.trim().split(/\s+/)
    // ` name mac proto addr`; virsh prints an empty MAC as nothing (three fields) and repeats
    // neither name nor MAC on an interface's further addresses (`-  -`).
    if (fields.length < 3 || fields.length > 4) throw new VirshOutputError('domifaddr', 'a row that is not name, MAC, protocol, address', row)
    const [name, ...rest] = fields as [string, ...string[]]
    const [protocol, address] = rest.slice(-2) as [string, string]
    const mac = fields.length === 4 ? rest[0]! : null
    if (name !== '-') current = {name, mac: mac === 'N/A' ? null : mac}
    if (current === null) throw new VirshOutputError('domifaddr', 'an address row before any interface', row)
    if (protocol !== 'ipv4') continue
    const slash = address.lastIndexOf('/')
    const ipv4 = address.slice(0, slash)
    const prefix = Number(address.slice(slash + 1))
    if (slash < 0 || !IPV4.test(ipv4) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
      throw new VirshOutputError('domifaddr', `${JSON.stringify(address)} is not an IPv4 address with a prefix`, row)
    }
    if (current.name === 'lo' || ipv4.startsWith('127.')) continue
    return {interfaceName: current.name, mac: current.mac, ipv4, prefix}
  }
  return null
}

/** `virsh list --all --name`: one name per line, then an empty line (or just one when there are none). */
export function parseDomainNameList(text: string): string[] {
  return lines(text)
    .map((line) => line.trim())
    .filter((line) => line !== '')
}

export interface PoolInfo {
  name: string
  uuid: string
  /** `running`, or `inactive`, `building`, `degraded`, `inaccessible`: only a running pool has sizes. */
  state: string
  persistent: boolean
  autostart: boolean
  capacityBytes: number | null
  allocationBytes: number | null
  availableBytes: number | null
}

/** `virsh pool-info <pool> --bytes`. */
export function parsePoolInfo(text: string): PoolInfo {
  const fields = new Map<string, string>()
  for (const line of lines(text)) {
    if (line.trim() === '') continue
    const match = /^([A-Za-z ]+):\s*(.*?)\s*$/.exec(line)
    if (!match) throw new VirshOutputError('pool-info', 'a line that is not "Key: value"', line)
    fields.set(match[1]!, match[2]!)
  }
  function required(key: string): string {
    const value = fields.get(key)
    if (value === undefined) throw new VirshOutputError('pool-info', `no ${key}`, text)
    return value
  }
  function yesNo(key: string): boolean {
    const value = required(key)
    if (value !== 'yes' && value !== 'no') throw new VirshOutputError('pool-info', `${key} is neither yes nor no`, text)
    return value === 'yes'
  }
  function bytes(key: string): number | null {
    const value = fields.get(key)
    if (value === undefined) return null
    // Without --bytes virsh prints `251.97 GiB`: refused, since the rounding would be silent.
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new VirshOutputError('pool-info', `${key} is not a byte count (was --bytes given?)`, text)
    return Number(value)
  }
  return {
    name: required('Name'),
    uuid: required('UUID'),
    state: required('State'),
    persistent: yesNo('Persistent'),
    autostart: yesNo('Autostart'),
    capacityBytes: bytes('Capacity'),
    allocationBytes: bytes('Allocation'),
    availableBytes: bytes('Available'),
  }
}

/** The directory of a `dir` pool, from `virsh pool-dumpxml`: where its volumes' files are. */
export function parsePoolTargetPath(xml: string): string {
  const target = /<target>([\s\S]*?)<\/target>/.exec(xml)
  const path = target ? /<path>([^<]*)<\/path>/.exec(target[1]!) : null
  if (!path) throw new VirshOutputError('pool-dumpxml', 'no <target><path>', xml)
  const value = unescapeXml(path[1]!.trim())
  if (!value.startsWith('/')) throw new VirshOutputError('pool-dumpxml', 'the target path is not absolute', xml)
  return value
}

/** `virsh vol-path`: one absolute path. */
export function parseVolPath(text: string): string {
  const path = text.trim()
  if (!path.startsWith('/') || path.includes('\n')) throw new VirshOutputError('vol-path', 'expected one absolute path', text)
  return path
}

/** `virsh vol-info --bytes`: the volume's virtual size (`Capacity`), in bytes. */
export function parseVolCapacity(text: string): number {
  const match = /^Capacity:\s*(\d+)(?: bytes)?\s*$/m.exec(text)
  if (!match || !Number.isSafeInteger(Number(match[1]))) throw new VirshOutputError('vol-info', 'no Capacity in bytes (was --bytes given?)', text)
  return Number(match[1])
}
