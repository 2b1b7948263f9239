import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ManualClock} from '../../src/core/clock.js'
import {createLogger} from '../../src/log/logger.js'
import {createVastAiAdapter} from '../../src/providers/vastai/vastai-adapter.js'
import {DEFAULT_TIMINGS, type ServiceContext} from '../../src/services/context.js'
import {ProviderRegistry} from '../../src/services/provider-registry.js'
import {SessionEventBus} from '../../src/services/session-event-bus.js'
import {startVastSim, type VastSimHandle} from '../../src/sim/index.js'
import {generateSessionKeyPair} from '../../src/ssh/keys.js'
import {Store} from '../../src/store/store.js'

export interface ServiceHarness {
  ctx: ServiceContext
  clock: ManualClock
  vast: VastSimHandle
  close(): Promise<void>
}

/**
 * A service context over a real SQLite file and a real simulated Vast.ai on loopback, both
 * driven by one manual clock; the adapter never sleeps, so back-off is visible in the
 * schedule, not in the test's run time.
 */
export async function startServiceHarness(start = Date.UTC(2026, 10, 24, 12)): Promise<ServiceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-svc-'))
  const clock = new ManualClock(start)
  const vast = await startVastSim({port: 0, clock, churn: false, offerCount: 400})
  const providers = new ProviderRegistry()
  providers.register('vastai', {
    baseUrl: vast.url,
    adapter: createVastAiAdapter({
      baseUrl: vast.url,
      apiKey: 'test-key',
      clock,
      sleep: async () => {},
      rateLimit: {perSecond: 1000, burst: 1000},
      retryBackoffMs: [0, 0, 0],
    }),
  })
  const store = Store.open(join(dir, 'db.sqlite'))
  const ctx: ServiceContext = {
    store,
    clock,
    providers,
    events: new SessionEventBus(),
    log: createLogger({level: 'silent'}),
    deploymentId: 'dep-test0001',
    daemonKey: generateSessionKeyPair('test-daemon'),
    simulated: true,
    timings: {...DEFAULT_TIMINGS},
  }
  return {
    ctx,
    clock,
    vast,
    async close() {
      await vast.close()
      store.close()
      rmSync(dir, {recursive: true, force: true})
    },
  }
}
