import type {Clock} from '../core/clock.js'
import {startTensorDockSim, type TensorDockSimHandle} from './tensordock/server.js'
import {startVastSim, type VastSimHandle} from './vastai/server.js'

export {startVastSim, DEFAULT_OFFER_COUNT, DEFAULT_SEED, type VastSimHandle, type VastSimOptions} from './vastai/server.js'
export {DEFAULT_TIMINGS, FINAL_OUTCOMES, type FinalOutcome, type VastTimings} from './vastai/lifecycle.js'
export {RATE_LIMIT_MODES, type RateLimitMode} from './vastai/config.js'
export {startTensorDockSim, DEFAULT_TENSORDOCK_SEED, type TensorDockSimHandle, type TensorDockSimOptions} from './tensordock/server.js'
export {DEFAULT_TD_TIMINGS, TD_OUTCOMES, type TdOutcome, type TensorDockTimings} from './tensordock/lifecycle.js'
export {LIST_ITEMS, LIST_SHAPES, PORT_FORWARD_MODES, STALE_MODES, SSH_KEY_ATTRIBUTE_MODES} from './tensordock/config.js'
export {FAULT_KINDS, type FaultKind} from './shared/faults.js'

export const SIMULATED_PROVIDERS = ['vastai', 'tensordock'] as const
export type SimulatedProvider = (typeof SIMULATED_PROVIDERS)[number]

export interface SimulatorsOptions {
  host?: string
  /** Port of the Vast.ai simulator; 0 (default) picks a free one. */
  port?: number
  /** Port of the TensorDock simulator; 0 (default) picks a free one. */
  tensordockPort?: number
  seed?: number
  offerCount?: number
  clock?: Clock
  /** Which marketplaces to start; both by default. */
  providers?: readonly SimulatedProvider[]
  /**
   * Keep both marketplaces' state here (`vastai*.json`, `tensordock*.json`) so simulators started
   * again on the same directory carry on: same instances, machines and host keys, ids never reused.
   */
  stateDir?: string
  /**
   * How long a model server a workload launches on either marketplace loads before `/health`
   * answers 200 (default 3 s; 0 for tests). Also `timings.model_load_ms` through `/_sim/config`.
   */
  modelLoadMs?: number
}

export interface Simulators {
  vastai: VastSimHandle
  tensordock: TensorDockSimHandle
  close(): Promise<void>
}

/**
 * Every simulated marketplace, as the demo and end-to-end tests run them. A provider left out
 * of `providers` gets a handle whose url refuses connections, so callers need no null checks.
 */
export async function startSimulators(options: SimulatorsOptions = {}): Promise<Simulators> {
  const wanted = new Set(options.providers ?? SIMULATED_PROVIDERS)
  const started: {close(): Promise<void>}[] = []
  try {
    const modelLoad = options.modelLoadMs === undefined ? {} : {timings: {modelLoadMs: options.modelLoadMs}}
    const vastai = wanted.has('vastai') ? await startVastSim({...options, ...modelLoad}) : notStarted()
    started.push(vastai)
    const tensordock = wanted.has('tensordock')
      ? await startTensorDockSim({
          ...(options.host === undefined ? {} : {host: options.host}),
          port: options.tensordockPort ?? 0,
          ...(options.seed === undefined ? {} : {seed: options.seed}),
          ...(options.clock === undefined ? {} : {clock: options.clock}),
          ...(options.stateDir === undefined ? {} : {stateDir: options.stateDir}),
          ...modelLoad,
        })
      : notStarted()
    started.push(tensordock)
    return {
      vastai,
      tensordock,
      async close() {
        await Promise.all([vastai.close(), tensordock.close()])
      },
    }
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()))
    throw error
  }
}

/** Port 0 is never a listening port: a client of a provider not started fails at once instead of reaching another service. */
function notStarted(): VastSimHandle & TensorDockSimHandle {
  return {url: 'http://127.0.0.1:0', close: async () => undefined}
}
