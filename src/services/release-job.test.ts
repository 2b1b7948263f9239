import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {simControl} from '../sim/control/control-client.js'
import type {Job} from '../store/jobs-repo.js'
import {insertRunningSession, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {runReleaseStep} from './release-job.js'
import {releaseSession} from './session-service.js'

const MINUTE = 60_000

describe('release', () => {
  let h: ServiceHarness
  const job = (sessionId: string, attempts = 1): Job => ({id: 0, kind: 'release', sessionId, status: 'running', attempts, runAt: 0, leaseUntil: null, lastError: null})

  beforeEach(async () => {
    h = await startServiceHarness()
  })
  afterEach(async () => h.close())

  it('bills up to the destroy request, not to when the destruction was finally verified', async () => {
    const s = await insertRunningSession(h, 'sess-late-verify')
    h.clock.advance(30 * MINUTE)
    releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    // The destroy request goes out and lands, then the daemon dies before verifying it ...
    h.ctx.store.sessions.update(s.id, 'stopping', {destroyRequestedAt: h.clock.now()}, h.clock.now())
    await simControl(h.vast.url, 'DELETE', `/_sim/instances/${s.providerInstanceId}`)
    // ... and the next daemon verifies it ten minutes later.
    h.clock.advance(10 * MINUTE)
    expect(await runReleaseStep(h.ctx, job(s.id, 2))).toEqual({done: true})
    const after = h.ctx.store.sessions.get(s.id)!
    expect(after.status).toBe('stopped')
    expect(after.stoppedAt! - s.startedAt!).toBe(30 * MINUTE)
    expect(h.ctx.store.ledger.totalForSession(s.id)).toBe(180_000) // 30 min at $0.36/h, not 40
  })

  it('keeps billing while the provider refuses the destroy, and closes at the request that worked', async () => {
    const s = await insertRunningSession(h, 'sess-refused')
    h.clock.advance(10 * MINUTE)
    releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['429'], paths: ['/api/v0/instances/'], count: 4})
    expect(await runReleaseStep(h.ctx, job(s.id))).toMatchObject({done: false})
    expect(h.ctx.store.sessions.get(s.id)!.destroyRequestedAt).toBeNull()
    h.clock.advance(5 * MINUTE)
    expect(await runReleaseStep(h.ctx, job(s.id, 2))).toEqual({done: true})
    expect(h.ctx.store.ledger.totalForSession(s.id)).toBe(90_000) // 15 min
  })
})
