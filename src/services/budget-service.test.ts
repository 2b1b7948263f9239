import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {LOCAL_TENANT} from '../auth/principal.js'
import {AppError} from '../core/errors.js'
import {asMicroUsd} from '../core/money.js'
import {pollUntil} from '../../test/support/poll.js'
import {insertRunningSession, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {assertWithinBudget, budgetStatus} from './budget-service.js'
import {JobRunner} from './job-runner.js'
import {LifecycleWorker} from './lifecycle-worker.js'
import {Reconciler} from './reconciler.js'

const HOUR = 3_600_000

describe('budgets', () => {
  let h: ServiceHarness
  let jobs: JobRunner
  const tick = () => new LifecycleWorker(h.ctx, () => jobs.kick(), new Reconciler(h.ctx)).tick()
  const eventTypes = async (id: string) => (await h.ctx.store.events.listAfter(id)).map((e) => e.type)
  const status = async (id: string) => (await h.ctx.store.sessions.get(id))!.status

  beforeEach(async () => {
    h = await startServiceHarness(Date.UTC(2026, 10, 10, 8))
    jobs = new JobRunner(h.ctx)
    jobs.start()
  })
  afterEach(async () => {
    await jobs.stop()
    await h.close()
  })

  it('counts spend and what live sessions are committed to, and refuses work past the rest', async () => {
    await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(1_000_000), 0.8, 'release', h.clock.now())
    await insertRunningSession(h, 'sess-a', {consumerId: 'team', expiresAt: h.clock.now() + 2 * HOUR})
    h.clock.advance(HOUR)
    const status = await budgetStatus(h.ctx, 'team')
    expect(status).toMatchObject({spent: 360_000, committed: 360_000, remaining: 280_000, month: '2026-11'})
    await expect(assertWithinBudget(h.ctx, 'team', asMicroUsd(280_000), 'a job')).resolves.toBeUndefined()
    try {
      await assertWithinBudget(h.ctx, 'team', asMicroUsd(280_001), '1h of vastai-1')
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).errorType).toBe('insufficient_balance')
      expect((err as AppError).message).toMatch(/Nothing was created/)
      expect((err as AppError).details).toMatchObject({remaining_micro_usd: 280_000, requested_micro_usd: 280_001})
    }
    await expect(assertWithinBudget(h.ctx, 'nobody-limits-me', asMicroUsd(10 ** 12), 'anything')).resolves.toBeUndefined()
  })

  it('alerts once at the threshold and releases every live session at the limit, across restarts', async () => {
    await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(360_000), 0.5, 'release', h.clock.now())
    await insertRunningSession(h, 'sess-b', {consumerId: 'team', expiresAt: h.clock.now() + 5 * HOUR})
    h.clock.advance(HOUR / 2)
    await tick()
    expect(await eventTypes('sess-b')).toContain('budget_alert')
    await tick()
    expect((await eventTypes('sess-b')).filter((t) => t === 'budget_alert')).toHaveLength(1)
    expect(await status('sess-b')).toBe('running')
    h.clock.advance(HOUR / 2)
    await tick()
    expect((await h.ctx.store.events.listAfter('sess-b')).at(-1)?.message).toMatch(/monthly budget/)
    await pollUntil(async () => ((await status('sess-b')) === 'stopped' ? true : undefined), 'released')
    expect(await h.ctx.store.ledger.totalForSession('sess-b')).toBe(360_000)
  })

  it('only alerts at the limit when asked to', async () => {
    await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'lab', asMicroUsd(360_000), 1, 'alert', h.clock.now())
    await insertRunningSession(h, 'sess-c', {consumerId: 'lab', expiresAt: h.clock.now() + 5 * HOUR})
    h.clock.advance(HOUR)
    await tick()
    expect(await eventTypes('sess-c')).toEqual(expect.arrayContaining(['budget_alert', 'budget_limit']))
    expect(await status('sess-c')).toBe('running')
  })
})
