import {z} from 'zod'

import {LIBVIRT_FACTS_END, LIBVIRT_FACTS_VERSION_LINE} from './libvirt-facts-script.js'
import {ProbeOutputError} from './probe-output-error.js'

export type LibvirtState =
  | {state: 'reachable'; version: string | null; hypervisor: string | null; kvm: boolean}
  | {state: 'missing'}
  | {state: 'unreachable'; error: string}

export interface StoragePoolFacts {
  /** libvirt's word: running, inactive, building, degraded. */
  state: string
  path: string | null
  capacityBytes: number
  availableBytes: number
  volumes: string[]
}

/** What one run of LIBVIRT_FACTS_SCRIPT reports about a node. */
export interface LibvirtFacts {
  cpus: number
  memTotalKiB: number
  tools: {virsh: boolean; qemuImg: boolean; genisoimage: boolean; base64: boolean}
  libvirt: LibvirtState
  /** Null when libvirt has no pool of that name (or libvirt itself cannot be reached). */
  pool: StoragePoolFacts | null
  /** Null when libvirt has no network of that name. */
  networkActive: boolean | null
}

const count = z.string().regex(/^\d+$/, 'expected a whole number').transform(Number)
const yesNo = z.enum(['yes', 'no']).transform((v) => v === 'yes')

const fieldsSchema = z.strictObject({
  cpus: count,
  mem_total_kb: count,
  tool_virsh: yesNo,
  tool_qemu_img: yesNo,
  tool_genisoimage: yesNo,
  tool_base64: yesNo,
  libvirt: z.enum(['reachable', 'missing', 'unreachable']),
  libvirt_error: z.string().optional(),
  libvirt_version: z.string().optional(),
  hypervisor: z.string().optional(),
  kvm: yesNo.optional(),
  pool_state: z.string().optional(),
  pool_capacity_bytes: count.optional(),
  pool_available_bytes: count.optional(),
  pool_path: z.string().optional(),
  network_active: z.enum(['yes', 'no', 'missing']).optional(),
})

/** Reads the facts script's output; throws a ProbeOutputError naming the first line it cannot read. */
export function parseLibvirtFacts(text: string): LibvirtFacts {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  if (lines[0] !== LIBVIRT_FACTS_VERSION_LINE) {
    throw new ProbeOutputError(1, lines[0] ?? '', `expected "${LIBVIRT_FACTS_VERSION_LINE}": not this version's facts output`)
  }
  if (lines.at(-1) !== LIBVIRT_FACTS_END) {
    throw new ProbeOutputError(lines.length, lines.at(-1) ?? '', `the output stops before ${LIBVIRT_FACTS_END}: the script was cut off`)
  }
  const fields: Record<string, string> = {}
  const volumes: string[] = []
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i] ?? ''
    const eq = line.indexOf('=')
    if (eq <= 0) throw new ProbeOutputError(i + 1, line, 'expected key=value')
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1)
    if (key === 'volume') {
      volumes.push(value)
      continue
    }
    if (key in fields) throw new ProbeOutputError(i + 1, line, `${key} appears twice`)
    fields[key] = value
  }
  const parsed = fieldsSchema.safeParse(fields)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const key = issue?.code === 'unrecognized_keys' ? issue.keys[0] : String(issue?.path[0] ?? '')
    const index = lines.findIndex((line) => line.startsWith(`${key}=`))
    throw new ProbeOutputError(index + 1, lines[index] ?? '', `${key}: ${issue?.message}`)
  }
  const f = parsed.data
  return {
    cpus: f.cpus,
    memTotalKiB: f.mem_total_kb,
    tools: {virsh: f.tool_virsh, qemuImg: f.tool_qemu_img, genisoimage: f.tool_genisoimage, base64: f.tool_base64},
    libvirt:
      f.libvirt === 'reachable'
        ? {state: 'reachable', version: f.libvirt_version ?? null, hypervisor: f.hypervisor ?? null, kvm: f.kvm ?? false}
        : f.libvirt === 'missing'
          ? {state: 'missing'}
          : {state: 'unreachable', error: f.libvirt_error ?? 'no reason given'},
    pool:
      f.pool_state === undefined || f.pool_state === 'missing'
        ? null
        : {state: f.pool_state, path: f.pool_path ?? null, capacityBytes: f.pool_capacity_bytes ?? 0, availableBytes: f.pool_available_bytes ?? 0, volumes},
    networkActive: f.network_active === undefined || f.network_active === 'missing' ? null : f.network_active === 'yes',
  }
}
