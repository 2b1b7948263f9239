import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {LOCAL_TENANT} from '../auth/principal.js'
import {asMicroUsd} from '../core/money.js'
import {insertRunningSession, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {budgetStatus} from './budget-service.js'
import {billedSoFar, costReport, costSeries, ledgerRows, sessionCost} from './cost-service.js'
import {accrueAll} from './ledger-accrual.js'

const HOUR = 3_600_000

describe('cost reads', () => {
  let h: ServiceHarness
  const ledgerRowCount = async () => (await collect(h.ctx.store.ledger.rows({}))).length
  const everyRead = async () => {
    const session = (await h.ctx.store.sessions.get('sess-a'))!
    return {
      session: (await sessionCost(h.ctx, 'sess-a')).total,
      billed: await billedSoFar(h.ctx, session),
      report: await costReport(h.ctx, {consumerId: 'team', startDate: '2026-11-01'}),
      series: await costSeries(h.ctx, {consumerId: 'team', startDate: '2026-11-01'}, 'daily'),
      rows: (await collect(await ledgerRows(h.ctx, {consumerId: 'team'}))).map((r) => r.amount),
      spent: (await budgetStatus(h.ctx, 'team'))!.spent,
    }
  }

  beforeEach(async () => {
    // An hour before the month ends, so the running session's cost crosses a day and a month.
    h = await startServiceHarness(Date.UTC(2026, 10, 30, 23))
    await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(10_000_000), 0.8, 'alert', h.clock.now())
  })
  afterEach(async () => {
    await h.close()
  })

  it('answer up to now without writing, and agree with the ledger the next accrual writes', async () => {
    await insertRunningSession(h, 'sess-a', {consumerId: 'team', expiresAt: h.clock.now() + 4 * HOUR})
    h.clock.advance(HOUR / 2)
    await accrueAll(h.ctx)
    const written = await ledgerRowCount()
    h.clock.advance(HOUR)

    const beforeAccrual = await everyRead()
    expect(await ledgerRowCount()).toBe(written)
    // $0.36/h for 1.5 h, half of it on the next UTC day.
    expect(beforeAccrual.session).toBe(540_000)
    expect(beforeAccrual.billed).toBe(540_000)
    expect(beforeAccrual.spent).toBe(180_000) // the budget counts December only
    expect(beforeAccrual.report).toMatchObject({total: 540_000, sessionCount: 1, billedMs: 1.5 * HOUR, byProvider: {vastai: 540_000}, byConsumer: {team: 540_000}})
    expect(beforeAccrual.series).toEqual([
      {period: '2026-11-30', total: 360_000},
      {period: '2026-12-01', total: 180_000},
    ])
    expect(beforeAccrual.rows.reduce((a, b) => a + b, 0)).toBe(540_000)

    await accrueAll(h.ctx)
    expect(await ledgerRowCount()).toBeGreaterThan(written)
    expect(await everyRead()).toEqual(beforeAccrual)
  })

  it('cover the current month when no date is named, and say which days they covered', async () => {
    await insertRunningSession(h, 'sess-a', {consumerId: 'team', expiresAt: h.clock.now() + 4 * HOUR})
    h.clock.advance(1.5 * HOUR)
    // Now 00:30 on 1 December: an hour of it was November's, half an hour December's
    const month = await costReport(h.ctx, {consumerId: 'team'})
    expect(month).toMatchObject({total: 180_000, startDate: '2026-12-01', endDate: '2026-12-31'})
    expect(await costSeries(h.ctx, {consumerId: 'team'}, 'daily')).toEqual([{period: '2026-12-01', total: 180_000}])
    // One date named: that range, open on the other side
    expect(await costReport(h.ctx, {consumerId: 'team', startDate: '2026-11-30'})).toMatchObject({total: 540_000, startDate: '2026-11-30', endDate: undefined})
    expect(await costReport(h.ctx, {consumerId: 'team', endDate: '2026-11-30'})).toMatchObject({total: 360_000, startDate: undefined, endDate: '2026-11-30'})
  })

  it('exports a row accrued while the export was being read once, from the ledger', async () => {
    // Given a running session with an hour not accrued yet, and an export that has begun
    await insertRunningSession(h, 'sess-b', {consumerId: 'team', expiresAt: h.clock.now() + 4 * HOUR})
    h.clock.advance(HOUR / 2)
    const rows = await ledgerRows(h.ctx, {consumerId: 'team'})
    // When the lifecycle tick writes that hour before the export reads the ledger
    await accrueAll(h.ctx)
    // Then the export holds each period once
    const exported = await collect(rows)
    expect(exported.map((r) => [r.component, r.periodStart])).toEqual((await collect(h.ctx.store.ledger.rows({}))).map((r) => [r.component, r.periodStart]))
    expect(exported.reduce((sum, r) => sum + r.amount, 0)).toBe(180_000)
  })
})

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) all.push(item)
  return all
}
