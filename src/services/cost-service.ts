import {AppError} from '../core/errors.js'
import type {LedgerEntry} from '../core/ledger-csv.js'
import {rowsWith, seriesWith, totalsWith, type LedgerTotals, type SeriesPoint} from '../core/ledger-totals.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import {LIVE_STATUSES} from '../core/session-status.js'
import type {LedgerFilter} from '../store/ledger-repo.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {callerTenant, isVisible} from './tenancy.js'
import {unaccruedEntries, unaccruedEntriesOfRunning} from './ledger-accrual.js'

/*
 * Cost reads. They never write: the ledger is brought up to date by the lifecycle tick (and at
 * every confirmed destroy), and a read adds what the next accrual will write, computed the same
 * way, so an answer is "up to now" to the micro-dollar without a GET appending rows.
 */

const DAY_MS = 86_400_000

export interface CostQuery {
  consumerId?: string
  startDate?: string
  endDate?: string
}

export interface CostReport extends LedgerTotals {
  from: number | undefined
  to: number | undefined
  /** The UTC days covered (end inclusive): as asked, or this month when neither was given. */
  startDate: string | undefined
  endDate: string | undefined
}

export async function sessionCost(ctx: ServiceContext, sessionId: string): Promise<{session: StoredSession; total: MicroUsd; billedMs: number; byComponent: Record<string, MicroUsd>}> {
  const session = await ctx.store.sessions.get(sessionId)
  if (!session || !isVisible(ctx, session.tenantId)) throw new AppError('not_found', `session ${sessionId} does not exist`, {session_id: sessionId})
  const totals = await totalsUpToNow(ctx, {sessionId})
  return {session, total: totals.total, billedMs: totals.billedMs, byComponent: totals.byComponent}
}

/** What a session has cost so far. */
export async function billedSoFar(ctx: ServiceContext, session: StoredSession): Promise<MicroUsd> {
  // One snapshot: an accrual between the two reads would count its rows twice.
  return ctx.store.snapshot(async () =>
    asMicroUsd((await ctx.store.ledger.totalForSession(session.id)) + sumOf(await unaccruedEntries(ctx, session, ctx.clock.now()))),
  )
}

/** What each of many sessions has cost so far (for session lists). */
export async function billedSoFarOf(ctx: ServiceContext, sessions: readonly StoredSession[]): Promise<Map<string, MicroUsd>> {
  return ctx.store.snapshot(async () => {
    const totals = await ctx.store.ledger.totalsForSessions(sessions.map((s) => s.id))
    const now = ctx.clock.now()
    const billed = new Map<string, MicroUsd>()
    for (const s of sessions) billed.set(s.id, asMicroUsd((totals.get(s.id) ?? 0) + sumOf(await unaccruedEntries(ctx, s, now))))
    return billed
  })
}

/** Totals over a date range (UTC days, end inclusive); this month when the query names no date. */
export async function costReport(ctx: ServiceContext, query: CostQuery): Promise<CostReport> {
  const covered = coveredDates(ctx, query)
  const {from, to} = dateRange(covered)
  return {...(await totalsUpToNow(ctx, {tenantId: callerTenant(ctx), consumerId: query.consumerId, from, to})), from, to, startDate: covered.startDate, endDate: covered.endDate}
}

/**
 * The dates a cost report covers: those asked for, or the current UTC month when the query
 * names neither, as the seed's API answers `GET /costs` (all time is a start date away).
 */
function coveredDates(ctx: ServiceContext, query: CostQuery): CostQuery {
  if (query.startDate !== undefined || query.endDate !== undefined) return query
  const month = currentMonth(ctx.clock.now())
  return {...query, startDate: month.startDate, endDate: month.endDate}
}

export interface MonthSummary {
  month: {label: string; startDate: string; endDate: string}
  report: CostReport
  /** Sessions holding (or about to hold) an instance now. */
  activeSessions: number
}

/** This UTC month's totals of one consumer (or everyone), with how many of its sessions are live. */
export async function monthSummary(ctx: ServiceContext, consumerId: string | undefined): Promise<MonthSummary> {
  const month = currentMonth(ctx.clock.now())
  const report = await costReport(ctx, {consumerId, startDate: month.startDate, endDate: month.endDate})
  const activeSessions = (await ctx.store.sessions.list({tenantId: callerTenant(ctx), consumerId, statuses: LIVE_STATUSES, limit: 1})).total
  return {month, report, activeSessions}
}

/** A tenant's consumer's totals from `from` on, up to now. */
export function totalsSince(ctx: ServiceContext, of: {tenantId: string; consumerId: string}, from: number): Promise<LedgerTotals> {
  return totalsUpToNow(ctx, {...of, from})
}

export async function costSeries(ctx: ServiceContext, query: CostQuery, period: 'daily' | 'monthly'): Promise<SeriesPoint[]> {
  const filter = {tenantId: callerTenant(ctx), consumerId: query.consumerId, ...dateRange(coveredDates(ctx, query))}
  return ctx.store.snapshot(async () => seriesWith(await ctx.store.ledger.series(filter, period), await pendingWithin(ctx, filter), period))
}

/**
 * The ledger rows a cost query covers (optionally one session's), oldest first, for export.
 * The query is checked, and what is not accrued yet taken, before this resolves; the rows are
 * then read from the ledger a page at a time as they are consumed.
 */
export async function ledgerRows(ctx: ServiceContext, query: CostQuery & {sessionId?: string}): Promise<AsyncIterable<LedgerEntry>> {
  const filter = {tenantId: callerTenant(ctx), consumerId: query.consumerId, sessionId: query.sessionId, ...dateRange(query)}
  const pending = await pendingWithin(ctx, filter)
  return rowsWith(ctx.store.ledger.rows(filter), pending)
}

/** The current UTC month as [start, end) plus its `YYYY-MM` label. */
export function currentMonth(now: number): {label: string; startDate: string; endDate: string} {
  const d = new Date(now)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate()
  const mm = String(m + 1).padStart(2, '0')
  return {label: `${y}-${mm}`, startDate: `${y}-${mm}-01`, endDate: `${y}-${mm}-${String(last).padStart(2, '0')}`}
}

async function totalsUpToNow(ctx: ServiceContext, filter: LedgerFilter): Promise<LedgerTotals> {
  // One snapshot: an accrual between the reads would count its rows twice (budgets act on this).
  return ctx.store.snapshot(async () => {
    const pending = await pendingWithin(ctx, filter)
    let sessionsWithoutRows = 0
    for (const id of new Set(pending.map((e) => e.sessionId))) {
      if (!(await ctx.store.ledger.any({...filter, sessionId: id}))) sessionsWithoutRows++
    }
    return totalsWith(await ctx.store.ledger.totals(filter), pending, sessionsWithoutRows)
  })
}

/** Rows the next accrual will write that fall inside the filter's period. */
async function pendingWithin(ctx: ServiceContext, filter: LedgerFilter): Promise<LedgerEntry[]> {
  return (await unaccruedEntriesOfRunning(ctx, ctx.clock.now(), filter)).filter(
    (e) => (filter.from === undefined || e.periodStart >= filter.from) && (filter.to === undefined || e.periodStart < filter.to),
  )
}

const sumOf = (entries: readonly LedgerEntry[]) => entries.reduce((sum, e) => sum + e.amount, 0)

/** The query's UTC days as epoch ms [from, to). */
function dateRange(query: CostQuery): {from: number | undefined; to: number | undefined} {
  const from = query.startDate ? Date.parse(`${query.startDate}T00:00:00Z`) : undefined
  const to = query.endDate ? Date.parse(`${query.endDate}T00:00:00Z`) + DAY_MS : undefined
  if (from !== undefined && Number.isNaN(from)) throw new AppError('validation_error', `start_date ${query.startDate} is not a date`, {field: 'start_date'})
  if (to !== undefined && Number.isNaN(to)) throw new AppError('validation_error', `end_date ${query.endDate} is not a date`, {field: 'end_date'})
  if (from !== undefined && to !== undefined && to <= from) {
    throw new AppError('validation_error', 'end_date is before start_date', {field: 'end_date'})
  }
  return {from, to}
}
