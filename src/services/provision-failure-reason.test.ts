import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {createVastAiAdapter} from '../providers/vastai/vastai-adapter.js'
import {startScriptedServer, type ScriptedServer} from '../providers/http/scripted-http-server.js'
import type {Job} from '../store/jobs-repo.js'
import {sessionRow, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {ProviderRegistry} from './provider-registry.js'
import {runProvisionStep} from './provision-job.js'

/**
 * The reason a refused create leaves on the session is what the user reads in `sessions get`:
 * the provider's words whole, and "no instance was created" said once.
 */
describe('the failure reason of a create the provider refused', () => {
  let h: ServiceHarness
  let vast: ScriptedServer
  const job: Job = {id: 0, kind: 'provision', sessionId: 'sess-refused', status: 'running', attempts: 1, runAt: 0, leaseUntil: null, leaseOwner: null, failures: 0, lastError: null}

  beforeEach(async () => {
    h = await startServiceHarness()
    // A Vast.ai that refuses the rent in a 200 reply, as it does for some asks.
    vast = await startScriptedServer(() => ({body: {success: false, error: 'no_capacity', msg: 'No machine available for this ask'}}))
  })
  afterEach(async () => {
    await vast.close()
    await h.close()
  })

  it('keeps the provider text intact under a one-character API key and says nothing was created once', async () => {
    const providers = new ProviderRegistry()
    const adapter = createVastAiAdapter({baseUrl: vast.url, apiKey: 'a', clock: h.clock, sleep: async () => {}, retryBackoffMs: [0, 0, 0], timeoutMs: 2_000})
    providers.register('vastai', {baseUrl: vast.url, adapter})
    const ctx = {...h.ctx, providers}
    await ctx.store.sessions.insert(sessionRow(h, 'sess-refused', {status: 'pending', startedAt: null}))

    expect(await runProvisionStep(ctx, job)).toEqual({done: true})

    const session = (await ctx.store.sessions.get('sess-refused'))!
    expect(session.status).toBe('failed')
    expect(session.failureReason).toContain('No machine available for this ask')
    expect(session.failureReason!.match(/no instance was created/gi)).toHaveLength(1)
  })
})
