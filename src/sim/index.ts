import type {Clock} from '../core/clock.js'
import {startVastSim, type VastSimHandle} from './vastai/server.js'

export {startVastSim, DEFAULT_OFFER_COUNT, DEFAULT_SEED, type VastSimHandle, type VastSimOptions} from './vastai/server.js'
export {DEFAULT_TIMINGS, FINAL_OUTCOMES, type FinalOutcome, type VastTimings} from './vastai/lifecycle.js'
export {RATE_LIMIT_MODES, type RateLimitMode} from './vastai/config.js'
export {FAULT_KINDS, type FaultKind} from './shared/faults.js'

export interface SimulatorsOptions {
  host?: string
  /** Port of the Vast.ai simulator; 0 (default) picks a free one. */
  port?: number
  seed?: number
  offerCount?: number
  clock?: Clock
}

export interface Simulators {
  vastai: VastSimHandle
  close(): Promise<void>
}

/** Every simulated marketplace, as the demo and end-to-end tests run them. */
export async function startSimulators(options: SimulatorsOptions = {}): Promise<Simulators> {
  const vastai = await startVastSim(options)
  return {
    vastai,
    async close() {
      await vastai.close()
    },
  }
}
