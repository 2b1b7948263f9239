import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {ManualClock} from '../../src/core/clock.js'
import {createLogger} from '../../src/log/logger.js'
import {createVastAiAdapter} from '../../src/providers/vastai/vastai-adapter.js'
import {recordBillingTerms} from '../../src/services/billing-terms.js'
import {DEFAULT_TIMINGS, type ServiceContext} from '../../src/services/context.js'
import {ProviderRegistry} from '../../src/services/provider-registry.js'
import {SessionEventBus} from '../../src/services/session-event-bus.js'
import {simControl} from '../../src/sim/control/control-client.js'
import {startVastSim, type VastSimHandle} from '../../src/sim/index.js'
import {generateSessionKeyPair} from '../../src/ssh/keys.js'
import type {StoredSession} from '../../src/store/sessions-repo.js'
import {Store} from '../../src/store/store.js'
import {storedSessionFixture} from './offer-fixture.js'

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
      timeoutMs: 2_000,
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
    processId: 'test-process',
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
      await store.close()
      rmSync(dir, {recursive: true, force: true, maxRetries: 10})
    },
  }
}

/** A session row as the provisioner would have left it: running since now on $0.36/h, unless `over` says otherwise. */
export function sessionRow(h: ServiceHarness, id: string, over: Partial<StoredSession> = {}): StoredSession {
  return storedSessionFixture(id, h.clock.now(), {sshPublicKey: h.ctx.daemonKey.publicKey, ...over})
}

/** A running session backed by a real simulated instance that trusts the daemon's key. */
export async function insertRunningSession(h: ServiceHarness, id: string, over: Partial<StoredSession> = {}): Promise<StoredSession> {
  const created = await simControl<{new_contract: number}>(h.vast.url, 'POST', '/_sim/instances', {
    label: `gpu-shopper:${h.ctx.deploymentId}:${id}`,
    gpu_name: 'RTX 4090',
    ssh_key: h.ctx.daemonKey.publicKey,
    // $0.36/h of compute and free storage, the price `sessionRow` gives the session.
    dph_total: 0.36,
    storage_cost: 0,
  })
  const instance = (await h.ctx.providers.get('vastai').getInstance(String(created.new_contract)))!
  const session = sessionRow(h, id, {
    providerInstanceId: instance.providerInstanceId,
    sshHost: instance.ssh!.host,
    sshPort: instance.ssh!.port,
    sshUser: instance.ssh!.user,
    ...over,
  })
  await h.ctx.store.sessions.insert(session)
  await recordBillingTerms(h.ctx, session, instance)
  return session
}
