import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {RateLimitedError} from '../providers/errors.js'
import {simControl} from '../sim/control/control-client.js'
import type {Job} from '../store/jobs-repo.js'
import {insertRunningSession, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {costForDuration} from '../core/money.js'
import {runReleaseStep} from './release-job.js'
import {runSettleStep} from './settle-job.js'
import {releaseSession} from './session-service.js'

const MINUTE = 60_000

describe('release', () => {
  let h: ServiceHarness
  const job = (sessionId: string, attempts = 1): Job => ({id: 0, kind: 'release', sessionId, status: 'running', attempts, runAt: 0, leaseUntil: null, leaseOwner: null, failures: 0, lastError: null})

  beforeEach(async () => {
    h = await startServiceHarness()
  })
  afterEach(async () => h.close())

  const simCharge = async (instanceId: string | null) => {
    const rows = await simControl<{instances: {id: number; sim: {charged_micro_usd: number}}[]}>(h.vast.url, 'GET', '/_sim/instances')
    return rows.instances.find((i) => String(i.id) === instanceId)!.sim.charged_micro_usd
  }

  it('bills a destroy verified late no less than the provider, then settles at exactly what it charged', async () => {
    const s = await insertRunningSession(h, 'sess-late-verify')
    h.clock.advance(30 * MINUTE)
    await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    // The destroy request goes out and lands, then the daemon dies before hearing back ...
    await h.ctx.store.sessions.update(s.id, 'stopping', {destroyRequestedAt: h.clock.now()}, h.clock.now())
    await h.ctx.providers.get('vastai').destroyInstance(s.providerInstanceId!)
    // ... and the next daemon confirms it ten minutes later: until the provider's bill says
    // otherwise, those ten minutes are billed too.
    h.clock.advance(10 * MINUTE)
    expect(await runReleaseStep(h.ctx, job(s.id, 2))).toEqual({done: true})
    const after = (await h.ctx.store.sessions.get(s.id))!
    expect(after.status).toBe('stopped')
    const charged = await simCharge(s.providerInstanceId)
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBeGreaterThan(charged)

    expect(await h.ctx.store.jobs.openFor(s.id, 'settle')).toHaveLength(1)
    expect(await runSettleStep(h.ctx, {...job(s.id), kind: 'settle'})).toEqual({done: true})
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBe(charged)
    // 30 minutes of compute plus the disk's storage from the create, at the instance's rates.
    const billing = (await h.ctx.store.billing.get(s.id))!
    expect(charged).toBe(costForDuration(billing.computePerHour, 30 * MINUTE) + costForDuration(billing.storagePerHour, 30 * MINUTE))
    expect(billing.providerChargeMicro).toBe(charged)
  })

  it('queues one settlement a session, even when the release runs again after it settled', async () => {
    const s = await insertRunningSession(h, 'sess-settle-once')
    h.clock.advance(30 * MINUTE)
    await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    expect(await runReleaseStep(h.ctx, job(s.id))).toEqual({done: true})
    // The settlement runs and ends; then the release runs again, as after a process was killed
    // before it marked the release done (its lease taken over by another process)
    await h.ctx.store.db.run("UPDATE jobs SET status = 'done' WHERE session_id = ? AND kind = 'settle'", [s.id])
    expect(await runReleaseStep(h.ctx, job(s.id, 2))).toEqual({done: true})
    const settles = await h.ctx.store.db.all<{status: string}>("SELECT status FROM jobs WHERE session_id = ? AND kind = 'settle'", [s.id])
    expect(settles).toEqual([{status: 'done'}])
  })

  it('keeps billing while the provider refuses the destroy, and closes at the destroy it confirmed', async () => {
    const s = await insertRunningSession(h, 'sess-refused')
    h.clock.advance(10 * MINUTE)
    await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['429'], paths: ['/api/v0/instances/'], count: 4})
    expect(await runReleaseStep(h.ctx, job(s.id))).toMatchObject({done: false})
    expect((await h.ctx.store.sessions.get(s.id))!.destroyRequestedAt).toBeNull()
    h.clock.advance(5 * MINUTE)
    expect(await runReleaseStep(h.ctx, job(s.id, 2))).toEqual({done: true})
    // Same clock on both sides: the estimate already equals the provider's charge.
    const charged = await simCharge(s.providerInstanceId)
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBe(charged)
    expect((await h.ctx.store.ledger.totals({sessionId: s.id})).billedMs).toBe(15 * MINUTE)
    expect(await runSettleStep(h.ctx, {...job(s.id), kind: 'settle'})).toEqual({done: true})
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBe(charged)
  })

  it('keeps the time of a destroy that landed although the call ended refused (an earlier try whose reply was lost)', async () => {
    // Given a running session whose destroy lands at the provider, but the call ends in a 429 (its retry was refused)
    const s = await insertRunningSession(h, 'sess-landed')
    h.clock.advance(10 * MINUTE)
    await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    const adapter = h.ctx.providers.get('vastai')
    const destroy = adapter.destroyInstance.bind(adapter)
    adapter.destroyInstance = async (id) => {
      await destroy(id)
      throw new RateLimitedError('vastai', null)
    }
    const requested = h.clock.now()

    // When the release step runs, Then the instance is gone, so the time the destroy was asked for stands
    expect(await runReleaseStep(h.ctx, job(s.id))).toMatchObject({done: false})
    expect((await h.ctx.store.sessions.get(s.id))!.destroyRequestedAt).toBe(requested)

    // And once confirmed later, the provider's charges cover it and the session settles at them
    adapter.destroyInstance = destroy
    h.clock.advance(5 * MINUTE)
    expect(await runReleaseStep(h.ctx, job(s.id, 2))).toEqual({done: true})
    expect(await runSettleStep(h.ctx, {...job(s.id), kind: 'settle'})).toEqual({done: true})
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBe(await simCharge(s.providerInstanceId))
  })

  it('waits for the provider\'s charges to cover the destroy before settling, and gives up after a day keeping its estimate', async () => {
    const s = await insertRunningSession(h, 'sess-vanished')
    h.clock.advance(20 * MINUTE)
    await releaseSession(h.ctx, s.id, {actor: 'test', message: 'done'})
    expect(await runReleaseStep(h.ctx, job(s.id))).toEqual({done: true})
    const estimate = await h.ctx.store.ledger.totalForSession(s.id)
    // The provider loses every trace of the instance: no charges to read.
    await simControl(h.vast.url, 'DELETE', `/_sim/instances/${s.providerInstanceId}`)
    expect(await runSettleStep(h.ctx, {...job(s.id), kind: 'settle'})).toMatchObject({done: false})
    expect((await h.ctx.store.billing.get(s.id))!.settledAt).toBeNull()
    h.clock.advance(25 * 60 * MINUTE)
    expect(await runSettleStep(h.ctx, {...job(s.id), kind: 'settle'})).toEqual({done: true})
    expect(await h.ctx.store.billing.get(s.id)).toMatchObject({settledAt: h.clock.now(), providerChargeMicro: null})
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBe(estimate)
  })
})
