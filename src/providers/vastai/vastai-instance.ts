import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'
import {ceilMicroUsd, toMicroUsd} from '../../core/money.js'
import {monthlyDiskPricePerHour} from '../../core/offer-quote.js'
import type {InstanceBillingTerms, ProviderInstance, ProviderInstanceState} from '../provider.js'

import {vastInstanceSchema, type VastInstance} from './vastai-wire.js'

/** The SSH user of every Vast.ai container. */
const SSH_USER = 'root'

/** Parses one instance row; null when it has no usable id. */
export function parseVastInstance(body: unknown): VastInstance | null {
  const parsed = vastInstanceSchema.safeParse(body)
  return parsed.success ? parsed.data : null
}

/**
 * `requestedAt` is when the request that read `raw` was sent (our clock): the fallback for the
 * provider's "now" when a row lacks `client_run_time`, early enough never to under-bill.
 */
export function instanceFromVast(raw: VastInstance, requestedAt?: number): ProviderInstance {
  const vram = raw.gpu_ram !== null && raw.gpu_ram !== undefined ? vramGbFromMib(raw.gpu_ram) : undefined
  return {
    providerInstanceId: String(raw.id),
    label: raw.label ?? null,
    state: instanceState(raw),
    statusMessage: raw.status_msg?.trim() || raw.actual_status || null,
    ssh: sshEndpoint(raw),
    ports: publishedPorts(raw),
    pricePerHour: raw.dph_total !== null && raw.dph_total !== undefined && raw.dph_total >= 0 ? toMicroUsd(raw.dph_total) : null,
    gpuType: raw.gpu_name ? normalizeGpuName(raw.gpu_name, vram || undefined) : null,
    gpuCount: raw.num_gpus ?? null,
    billing: billingTerms(raw, requestedAt),
  }
}

/**
 * Vast bills storage from creation and compute only while running (providers.md §1.5): storage
 * at `disk_space × storage_cost / 720`, compute at `dph_base`. The create time is `start_date`;
 * the provider's own "now" is `start_date + client_run_time`, and running began `uptime_mins`
 * before it, so every time here is on Vast's clock.
 */
export function billingTerms(raw: VastInstance, requestedAt?: number): InstanceBillingTerms | null {
  if (!isNonNegative(raw.start_date) || !isNonNegative(raw.dph_base)) return null
  const createdAt = Math.round(raw.start_date * 1000)
  const storagePerHour =
    isNonNegative(raw.storage_cost) && isNonNegative(raw.disk_space) ? monthlyDiskPricePerHour(raw.disk_space, raw.storage_cost) : ceilMicroUsd(0)
  let runningSince: number | null = null
  if (instanceState(raw) === 'running' && isNonNegative(raw.uptime_mins)) {
    const providerNow = isNonNegative(raw.client_run_time) ? createdAt + Math.round(raw.client_run_time * 1000) : requestedAt
    if (providerNow !== undefined) runningSince = Math.max(createdAt, providerNow - Math.round(raw.uptime_mins * 60_000))
  }
  return {createdAt, runningSince, computeFromCreate: false, computePerHour: ceilMicroUsd(raw.dph_base), storagePerHour}
}

function isNonNegative(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value) && value >= 0
}

const OCI_FAILURE = 'OCI runtime create failed'

/**
 * `actual_status` → our state (providers.md §1.8). Unknown and transient statuses stay
 * `provisioning`: the caller owns the deadline, and `loading` can honestly last an hour.
 */
export function instanceState(raw: Pick<VastInstance, 'actual_status' | 'status_msg' | 'cur_state' | 'intended_status' | 'next_state'>): ProviderInstanceState {
  const status = raw.actual_status?.trim().toLowerCase() ?? null
  // A container that failed to create keeps saying `created` forever.
  if ((status === null || status === 'created') && raw.status_msg?.includes(OCI_FAILURE)) return 'failed'
  if (status === 'exited' || status === 'offline') return 'failed'
  // All three contract states `stopped`: outbid or interrupted, it will not come back by itself.
  if (raw.cur_state === 'stopped' && raw.intended_status === 'stopped' && raw.next_state === 'stopped') return 'stopped'
  if (status === 'stopped' || status === 'frozen') return 'stopped'
  if (status === 'running') return 'running'
  return 'provisioning'
}

/**
 * Direct SSH (`public_ipaddr` + the host port mapped to 22/tcp) when the host exposes it,
 * else Vast's proxy (`ssh_host:ssh_port`, +1 for jupyter runtypes, as vast.py's ssh-url does).
 */
export function sshEndpoint(raw: Pick<VastInstance, 'public_ipaddr' | 'ports' | 'ssh_host' | 'ssh_port' | 'image_runtype'>): ProviderInstance['ssh'] {
  const ip = raw.public_ipaddr?.trim()
  const directPort = raw.ports?.['22/tcp']?.[0]?.HostPort
  if (ip && isPort(directPort)) return {host: ip, port: directPort, user: SSH_USER}
  const host = raw.ssh_host?.trim()
  if (host && isPort(raw.ssh_port)) {
    const port = raw.image_runtype?.includes('jupyter') ? raw.ssh_port + 1 : raw.ssh_port
    return {host, port, user: SSH_USER}
  }
  return null
}

/**
 * Each published container port (`-p P:P` in the create's env) at `public_ipaddr` on the host
 * port Docker mapped it to; SSH's own mapping is not one of them.
 */
export function publishedPorts(raw: Pick<VastInstance, 'public_ipaddr' | 'ports'>): Map<number, {host: string; port: number}> {
  const host = raw.public_ipaddr?.trim()
  const ports = new Map<number, {host: string; port: number}>()
  if (!host || !raw.ports) return ports
  for (const [key, bindings] of Object.entries(raw.ports)) {
    const match = /^(\d+)\/tcp$/.exec(key)
    const container = match ? Number(match[1]) : null
    const hostPort = bindings?.[0]?.HostPort
    if (container !== null && container !== 22 && isPort(container) && isPort(hostPort)) ports.set(container, {host, port: hostPort})
  }
  return ports
}

function isPort(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isInteger(value) && value > 0 && value < 65536
}
