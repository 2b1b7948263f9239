import {camelKeys, nonNegative, oneOf} from '../shared/config-patch.js'
import {parseHostFaults, type HostFault} from '../shared/host-faults.js'
import type {GpuLoad} from '../shared/nvidia-smi.js'
import {DEFAULT_TD_TIMINGS, TD_OUTCOMES, type TdOutcome, type TensorDockTimings} from './lifecycle.js'
import type {MarketChurn} from '../shared/market-churn.js'
import {DEFAULT_CHURN} from './market.js'

/** `instances`: the documented `{"data":{"instances":[...]}}`; `array`: `{"data":[...]}`, also seen live. */
export const LIST_SHAPES = ['instances', 'array'] as const
/** `attributes`: JSON:API items as documented; `flat`: `{id,name,status,ipAddress,...}` as also seen live. */
export const LIST_ITEMS = ['attributes', 'flat'] as const
/**
 * `honour`: the requested forwards come back; `ignore`: `portForwards: []` although they were
 * asked for (Joplin, BUG-008); `remap`: other external ports than those requested. Each external
 * port is a real listener on the simulator's host, which every VM shares, so a location deploy
 * gets a free one whatever it asked for (a hostnode deploy the node port it named, when free).
 */
export const PORT_FORWARD_MODES = ['honour', 'ignore', 'remap'] as const
/** `no_nodes` / `no_public_ips`: every create fails with HTTP 200 and that error (BUG-010). */
export const STALE_MODES = ['off', 'no_nodes', 'no_public_ips'] as const
/** `ignored` as live: the `ssh_key` attribute alone never lets anyone in; `installed` for an idealised API. */
export const SSH_KEY_ATTRIBUTE_MODES = ['ignored', 'installed'] as const

export interface TensorDockSimConfig {
  timings: TensorDockTimings
  outcome: TdOutcome
  listShape: (typeof LIST_SHAPES)[number]
  listItems: (typeof LIST_ITEMS)[number]
  portForwards: (typeof PORT_FORWARD_MODES)[number]
  stale: (typeof STALE_MODES)[number]
  /** Share of (location, GPU) listings that are listed yet always answer "No available nodes found". */
  staleFraction: number
  sshKeyAttribute: (typeof SSH_KEY_ATTRIBUTE_MODES)[number]
  /** 201 per the third-party spec; 200 also accepted by live clients. Neither confirmed live. */
  createStatus: 200 | 201
  /** 100 requests/minute per token (documented), off by default so tests are not throttled. */
  rateLimit: {enabled: boolean; perMinute: number; retryAfter: boolean}
  /** Added to every provider response (live: 4–5 s per call); real time, not the injected clock. */
  latencyMs: number
  gpuLoad: GpuLoad
  churn: MarketChurn
  /** Locations (by id) whose VMs fail whoever rents them (shared/host-faults.ts); `no_boot` ends in `error`. */
  brokenLocations: Record<string, HostFault>
}

export function defaultConfig(): TensorDockSimConfig {
  return {
    timings: {...DEFAULT_TD_TIMINGS},
    outcome: 'running',
    listShape: 'instances',
    listItems: 'attributes',
    portForwards: 'honour',
    stale: 'off',
    staleFraction: 0,
    sshKeyAttribute: 'ignored',
    createStatus: 201,
    rateLimit: {enabled: false, perMinute: 100, retryAfter: false},
    latencyMs: 0,
    gpuLoad: 'idle',
    churn: {...DEFAULT_CHURN},
    brokenLocations: {},
  }
}

/** How a VM at this location ends up: a broken location's fault wins over the configured outcome. */
export function outcomeAtLocation(config: TensorDockSimConfig, locationId: string): TdOutcome {
  return config.brokenLocations[locationId] === 'no_boot' ? 'error' : config.outcome
}

function fraction(name: string, v: unknown): number {
  const n = nonNegative(name, v)
  if (n > 1) throw new Error(`${name} must be at most 1`)
  return n
}

/** Applies a `POST /_sim/config` body (snake_case or camelCase); throws with a message on bad input. */
export function applyConfigPatch(config: TensorDockSimConfig, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body must be a JSON object')
  const b = camelKeys(body)
  const known = new Set([
    'timings', 'outcome', 'listShape', 'listItems', 'portForwards', 'stale', 'staleMode', 'staleFraction', 'sshKeyAttribute',
    'createStatus', 'rateLimit', 'latencyMs', 'slowMs', 'gpuLoad', 'marketChurn', 'brokenLocations',
  ])
  for (const key of Object.keys(b)) if (!known.has(key)) throw new Error(`unknown setting ${key}`)
  if (b.timings !== undefined) {
    for (const [key, value] of Object.entries(camelKeys(b.timings))) {
      if (!(key in DEFAULT_TD_TIMINGS)) throw new Error(`unknown timing ${key}; use ${Object.keys(DEFAULT_TD_TIMINGS).join(', ')}`)
      config.timings[key as keyof TensorDockTimings] = nonNegative(key, value)
    }
  }
  if (b.outcome !== undefined) config.outcome = oneOf('outcome', b.outcome, TD_OUTCOMES)
  if (b.listShape !== undefined) config.listShape = oneOf('list_shape', b.listShape, LIST_SHAPES)
  if (b.listItems !== undefined) config.listItems = oneOf('list_items', b.listItems, LIST_ITEMS)
  if (b.portForwards !== undefined) config.portForwards = oneOf('port_forwards', b.portForwards, PORT_FORWARD_MODES)
  const stale = b.stale ?? b.staleMode
  if (stale !== undefined) config.stale = oneOf('stale', stale, STALE_MODES)
  if (b.staleFraction !== undefined) config.staleFraction = fraction('stale_fraction', b.staleFraction)
  if (b.sshKeyAttribute !== undefined) config.sshKeyAttribute = oneOf('ssh_key_attribute', b.sshKeyAttribute, SSH_KEY_ATTRIBUTE_MODES)
  if (b.createStatus !== undefined) {
    const s = Number(b.createStatus)
    if (s !== 200 && s !== 201) throw new Error('create_status must be 200 or 201')
    config.createStatus = s
  }
  if (b.rateLimit !== undefined) {
    const r = typeof b.rateLimit === 'boolean' ? {enabled: b.rateLimit} : camelKeys(b.rateLimit)
    if (r.enabled !== undefined) config.rateLimit.enabled = r.enabled === true
    if (r.perMinute !== undefined) config.rateLimit.perMinute = nonNegative('rate_limit.per_minute', r.perMinute)
    if (r.retryAfter !== undefined) config.rateLimit.retryAfter = r.retryAfter === true
  }
  const latency = b.latencyMs ?? b.slowMs
  if (latency !== undefined) config.latencyMs = nonNegative('latency_ms', latency)
  if (b.gpuLoad !== undefined) config.gpuLoad = oneOf('gpu_load', b.gpuLoad, ['idle', 'busy'] as const)
  if (b.marketChurn !== undefined) {
    const c = camelKeys(b.marketChurn)
    if (c.intervalMs !== undefined) config.churn.intervalMs = nonNegative('market_churn.interval_ms', c.intervalMs)
    if (c.fraction !== undefined) config.churn.fraction = fraction('market_churn.fraction', c.fraction)
  }
  if (b.brokenLocations !== undefined) config.brokenLocations = parseHostFaults('broken_locations', b.brokenLocations, (id) => id.trim() !== '')
}

/** The config as the control API shows it (snake_case, like the provider). */
export function renderConfig(config: TensorDockSimConfig): Record<string, unknown> {
  const t = config.timings
  return {
    timings: {
      creating_ms: t.creatingMs,
      ip_assign_ms: t.ipAssignMs,
      cloud_init_ms: t.cloudInitMs,
      fail_after_ms: t.failAfterMs,
      starting_ms: t.startingMs,
      stopping_ms: t.stoppingMs,
      model_load_ms: t.modelLoadMs,
    },
    outcome: config.outcome,
    list_shape: config.listShape,
    list_items: config.listItems,
    port_forwards: config.portForwards,
    stale: config.stale,
    stale_fraction: config.staleFraction,
    ssh_key_attribute: config.sshKeyAttribute,
    create_status: config.createStatus,
    rate_limit: {enabled: config.rateLimit.enabled, per_minute: config.rateLimit.perMinute, retry_after: config.rateLimit.retryAfter},
    latency_ms: config.latencyMs,
    gpu_load: config.gpuLoad,
    market_churn: {interval_ms: config.churn.intervalMs, fraction: config.churn.fraction},
    broken_locations: config.brokenLocations,
  }
}
