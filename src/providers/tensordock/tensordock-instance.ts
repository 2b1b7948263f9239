import {normalizeGpuName} from '../../core/gpu-names.js'
import {asMicroUsd, ceilMicroUsd, toMicroUsd} from '../../core/money.js'
import type {InstanceBillingTerms, ProviderInstance, ProviderInstanceState} from '../provider.js'

import {vramFromNames} from './tensordock-offer.js'
import {tensorDockInstanceSchema, type TensorDockInstance} from './tensordock-wire.js'

/** The default user of TensorDock's Ubuntu images; it has sudo (providers.md §2.11 item 6). */
export const TENSORDOCK_SSH_USER = 'user'
const SSH_PORT = 22

/**
 * Parses one instance, flat or JSON:API style (`{type, id, attributes:{...}}`, the documented
 * list item). Fields under `attributes` win; `id` may sit on either level. null without an id.
 */
export function parseTensorDockInstance(body: unknown): TensorDockInstance | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null
  const record = body as Record<string, unknown>
  const attributes = record.attributes
  const flat = attributes !== null && typeof attributes === 'object' && !Array.isArray(attributes)
    ? {...record, ...(attributes as Record<string, unknown>), id: record.id ?? (attributes as Record<string, unknown>).id}
    : record
  const parsed = tensorDockInstanceSchema.safeParse(flat)
  return parsed.success ? parsed.data : null
}

/** What a status says, once case and `_ - space` are gone (`StoppedDisassociated`, `stopped_disassociated`). */
export function normaliseStatus(status: string | null | undefined): string {
  return (status ?? '').toLowerCase().replace(/[\s_-]+/g, '')
}

/**
 * Statuses after which the instance no longer exists for us: getInstance answers null and
 * lists leave them out, exactly as if TensorDock had already forgotten the id.
 */
const GONE = new Set(['terminated', 'deleting', 'deleted'])

export function isGoneStatus(status: string | null | undefined): boolean {
  return GONE.has(normaliseStatus(status))
}

/**
 * TensorDock status → our state (providers.md §2.7):
 * - `running` is running only once `ipAddress` is set (5–30 s after create live); before
 *   that nothing can connect, so it is still provisioning.
 * - `creating`, `starting`, `queued` and any status we do not know stay provisioning: the
 *   caller owns the deadline.
 * - `stopping`, `stopped`, `stoppeddisassociated` are stopped: none of them comes back by
 *   itself (an H100 SXM5 went straight to stopped after create live, BUG-011).
 * - `error` (and `failed`) is failed.
 * Gone statuses (`terminated`, `deleting`, `deleted`) never reach here; see isGoneStatus.
 */
export function instanceState(raw: Pick<TensorDockInstance, 'status' | 'ipAddress'>): ProviderInstanceState {
  const status = normaliseStatus(raw.status)
  if (status === 'running') return raw.ipAddress?.trim() ? 'running' : 'provisioning'
  if (status === 'stopping' || status === 'stopped' || status === 'stoppeddisassociated') return 'stopped'
  if (status === 'error' || status === 'failed') return 'failed'
  return 'provisioning'
}

export function instanceFromTensorDock(raw: TensorDockInstance): ProviderInstance {
  const gpus = gpuSummary(raw)
  return {
    providerInstanceId: raw.id,
    label: raw.name ?? null,
    state: instanceState(raw),
    statusMessage: raw.status?.trim() || null,
    ssh: sshEndpoint(raw),
    ports: publishedPorts(raw),
    pricePerHour: raw.rateHourly !== null && raw.rateHourly !== undefined && raw.rateHourly >= 0 ? toMicroUsd(raw.rateHourly) : null,
    gpuType: gpus?.gpuType ?? null,
    gpuCount: gpus?.gpuCount ?? null,
    billing: billingTerms(raw),
  }
}

/**
 * TensorDock bills `rateHourly` (GPUs, vCPUs, RAM and storage together, providers.md §2.9) from
 * the create on. Its replies carry no timestamps, so the caller dates the create itself (from
 * when the request went out, which is never after the provider's own time).
 */
function billingTerms(raw: TensorDockInstance): InstanceBillingTerms | null {
  if (raw.rateHourly === null || raw.rateHourly === undefined || !Number.isFinite(raw.rateHourly) || raw.rateHourly < 0) return null
  return {createdAt: null, runningSince: null, computeFromCreate: true, computePerHour: ceilMicroUsd(raw.rateHourly), storagePerHour: asMicroUsd(0)}
}

/**
 * `user@ipAddress`, on the external port forwarded to 22 when there is one, else 22 (a
 * dedicated IP exposes SSH directly; the live fix for ignored port forwards, BUG-008).
 */
export function sshEndpoint(raw: Pick<TensorDockInstance, 'ipAddress' | 'portForwards'>): ProviderInstance['ssh'] {
  const host = raw.ipAddress?.trim()
  if (!host) return null
  return {host, port: forwardedPort(raw.portForwards, SSH_PORT) ?? SSH_PORT, user: TENSORDOCK_SSH_USER}
}

/**
 * Every forwarded port but SSH, at `ipAddress` on its external port (which may differ from the
 * one asked: providers.md §2.6, "always read portForwards").
 */
export function publishedPorts(raw: Pick<TensorDockInstance, 'ipAddress' | 'portForwards'>): Map<number, {host: string; port: number}> {
  const host = raw.ipAddress?.trim()
  const ports = new Map<number, {host: string; port: number}>()
  if (!host || !raw.portForwards) return ports
  const internals = Array.isArray(raw.portForwards) ? raw.portForwards.map((f) => f.internal_port) : Object.keys(raw.portForwards).map(Number)
  for (const internal of internals) {
    if (!isPort(internal) || internal === SSH_PORT) continue
    const external = forwardedPort(raw.portForwards, internal)
    if (external !== null) ports.set(internal, {host, port: external})
  }
  return ports
}

function forwardedPort(forwards: TensorDockInstance['portForwards'], internal: number): number | null {
  if (!forwards) return null
  if (Array.isArray(forwards)) {
    const entry = forwards.find((f) => f.internal_port === internal)
    return isPort(entry?.external_port) ? entry.external_port : null
  }
  const mapped = forwards[String(internal)]
  return isPort(mapped) ? mapped : null
}

function gpuSummary(raw: TensorDockInstance): {gpuType: string | null; gpuCount: number | null} | null {
  const gpus = raw.resources?.gpus
  if (!gpus) return null
  const entries = Array.isArray(gpus)
    ? gpus.map((g) => ({v0Name: g.gpuV0Name ?? g.v0Name ?? null, count: g.count}))
    : Object.entries(gpus).map(([key, g]) => ({v0Name: g.v0Name ?? key, count: g.count}))
  const named = entries.filter((e): e is {v0Name: string; count: number | null | undefined} => !!e.v0Name)
  const first = named[0]
  if (!first) return null
  const vram = vramFromNames({v0Name: first.v0Name, displayName: null})
  const total = named.reduce((sum, e) => sum + (e.count !== null && e.count !== undefined && e.count > 0 ? e.count : 0), 0)
  return {gpuType: normalizeGpuName(first.v0Name, vram ?? undefined), gpuCount: total > 0 ? total : null}
}

function isPort(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isInteger(value) && value > 0 && value < 65536
}
