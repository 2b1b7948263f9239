import {camelKeys, nonNegative} from '../shared/config-patch.js'
import {parseHostFaults, type HostFault} from '../shared/host-faults.js'
import type {GpuLoad} from '../shared/nvidia-smi.js'
import {DEFAULT_TIMINGS, FINAL_OUTCOMES, type FinalOutcome, type VastTimings} from './lifecycle.js'
import type {MarketChurn} from '../shared/market-churn.js'
import {DEFAULT_CHURN} from './market.js'

/**
 * How a 429 looks. The real API has answered with plain text and with three JSON shapes
 * (providers.md §1.10); adapters must decide on the status alone.
 */
export const RATE_LIMIT_MODES = ['off', 'text', 'json-detail', 'json-error', 'json-message'] as const
export type RateLimitMode = (typeof RATE_LIMIT_MODES)[number]

/**
 * Minimum seconds between calls per endpoint and key. Create, show and destroy are the
 * documented thresholds; search is "about 10 a minute".
 */
export const DEFAULT_RATE_INTERVALS: Record<string, number> = {
  search: 6.0,
  create: 4.5,
  show: 2.0,
  list: 2.0,
  destroy: 3.0,
  attach_ssh: 1.0,
  update: 1.0,
  user: 1.0,
  ssh_keys: 1.0,
  charges: 1.0,
}

export interface VastSimConfig {
  timings: VastTimings
  outcome: FinalOutcome
  /** Status of the `no_such_ask` reply: 400 as seen live, 404 per the docs, 410 with cancel_unavail. */
  staleStatus: 400 | 404 | 410
  rateLimit: {mode: RateLimitMode; intervals: Record<string, number>}
  /** New instances stay out of list endpoints this long (live: minutes). */
  listLagMs: number
  /** `stopped`: a bid under `min_bid` answers success:false with a new_contract and leaves the instance stopped. */
  underbid: 'accept' | 'stopped'
  /** Destroying an unknown id: 200 `no_such_instance`, or 404 `not_found` (both seen). */
  destroyUnknown: 'no_such_instance' | 'not_found'
  gpuLoad: GpuLoad
  churn: MarketChurn
  initialCredit: number
  /** Machines (by `machine_id`) that fail whoever rents them (shared/host-faults.ts); `no_boot` stays `created` with the OCI error. */
  brokenMachines: Record<string, HostFault>
}

/** How an instance on this offer's machine ends up: a broken machine's fault wins over the configured outcome. */
export function outcomeOnMachine(config: VastSimConfig, machineId: number): FinalOutcome {
  return config.brokenMachines[String(machineId)] === 'no_boot' ? 'created' : config.outcome
}

export const DEFAULT_INITIAL_CREDIT = 100

export function defaultConfig(): VastSimConfig {
  return {
    timings: {...DEFAULT_TIMINGS},
    outcome: 'running',
    staleStatus: 400,
    rateLimit: {mode: 'off', intervals: {...DEFAULT_RATE_INTERVALS}},
    listLagMs: 0,
    underbid: 'accept',
    destroyUnknown: 'no_such_instance',
    gpuLoad: 'idle',
    churn: {...DEFAULT_CHURN},
    initialCredit: DEFAULT_INITIAL_CREDIT,
    brokenMachines: {},
  }
}

/** Applies a `POST /_sim/config` body (snake_case or camelCase); throws with a message on bad input. */
export function applyConfigPatch(config: VastSimConfig, body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('body must be a JSON object')
  const b = camelKeys(body)
  if (b.timings !== undefined) {
    const t = camelKeys(b.timings)
    for (const [key, value] of Object.entries(t)) {
      if (!(key in DEFAULT_TIMINGS)) throw new Error(`unknown timing ${key}; use ${Object.keys(DEFAULT_TIMINGS).join(', ')}`)
      config.timings[key as keyof VastTimings] = nonNegative(key, value)
    }
  }
  const outcome = b.outcome ?? b.finalOutcome
  if (outcome !== undefined) {
    if (!(FINAL_OUTCOMES as readonly unknown[]).includes(outcome)) throw new Error(`outcome must be one of ${FINAL_OUTCOMES.join(', ')}`)
    config.outcome = outcome as FinalOutcome
  }
  if (b.staleStatus !== undefined) {
    const s = Number(b.staleStatus)
    if (s !== 400 && s !== 404 && s !== 410) throw new Error('stale_status must be 400, 404 or 410')
    config.staleStatus = s
  }
  if (b.rateLimit !== undefined) {
    const r = typeof b.rateLimit === 'string' ? {mode: b.rateLimit} : camelKeys(b.rateLimit)
    if (r.mode !== undefined) {
      if (!(RATE_LIMIT_MODES as readonly unknown[]).includes(r.mode)) throw new Error(`rate_limit.mode must be one of ${RATE_LIMIT_MODES.join(', ')}`)
      config.rateLimit.mode = r.mode as RateLimitMode
    }
    if (r.intervals !== undefined) {
      if (typeof r.intervals !== 'object' || r.intervals === null) throw new Error('rate_limit.intervals must map endpoint names to seconds')
      for (const [name, seconds] of Object.entries(r.intervals as Record<string, unknown>)) {
        config.rateLimit.intervals[name] = nonNegative(`rate_limit.intervals.${name}`, seconds)
      }
    }
  }
  if (b.listLagMs !== undefined) config.listLagMs = nonNegative('list_lag_ms', b.listLagMs)
  if (b.underbid !== undefined) {
    if (b.underbid !== 'accept' && b.underbid !== 'stopped') throw new Error('underbid must be accept or stopped')
    config.underbid = b.underbid
  }
  if (b.destroyUnknown !== undefined) {
    if (b.destroyUnknown !== 'no_such_instance' && b.destroyUnknown !== 'not_found') throw new Error('destroy_unknown must be no_such_instance or not_found')
    config.destroyUnknown = b.destroyUnknown
  }
  if (b.gpuLoad !== undefined) {
    if (b.gpuLoad !== 'idle' && b.gpuLoad !== 'busy') throw new Error('gpu_load must be idle or busy')
    config.gpuLoad = b.gpuLoad
  }
  if (b.marketChurn !== undefined) {
    const c = camelKeys(b.marketChurn)
    if (c.intervalMs !== undefined) config.churn.intervalMs = nonNegative('market_churn.interval_ms', c.intervalMs)
    if (c.fraction !== undefined) {
      const f = nonNegative('market_churn.fraction', c.fraction)
      if (f > 1) throw new Error('market_churn.fraction must be at most 1')
      config.churn.fraction = f
    }
  }
  if (b.initialCredit !== undefined) config.initialCredit = Number(b.initialCredit)
  if (b.brokenMachines !== undefined) config.brokenMachines = parseHostFaults('broken_machines', b.brokenMachines, (id) => /^\d+$/.test(id))
}

/** The config as the control API shows it. */
export function renderConfig(config: VastSimConfig): Record<string, unknown> {
  const t = config.timings
  return {
    timings: {
      provisioning_ms: t.provisioningMs,
      created_ms: t.createdMs,
      loading_ms: t.loadingMs,
      fail_after_ms: t.failAfterMs,
      key_propagation_ms: t.keyPropagationMs,
      model_load_ms: t.modelLoadMs,
    },
    outcome: config.outcome,
    stale_status: config.staleStatus,
    rate_limit: {mode: config.rateLimit.mode, intervals: config.rateLimit.intervals},
    list_lag_ms: config.listLagMs,
    underbid: config.underbid,
    destroy_unknown: config.destroyUnknown,
    gpu_load: config.gpuLoad,
    market_churn: {interval_ms: config.churn.intervalMs, fraction: config.churn.fraction},
    initial_credit: config.initialCredit,
    broken_machines: config.brokenMachines,
  }
}
