import {accrualPeriods} from '../core/accrual.js'
import {billedComponents} from '../core/billing.js'
import {AppError} from '../core/errors.js'
import type {MicroUsd} from '../core/money.js'
import type {LedgerEntry, LedgerTotals} from '../store/ledger-repo.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'

const DAY_MS = 86_400_000

/**
 * Bills a session's instance into the ledger up to `until`, on the provider's terms (see
 * core/billing.ts): each component from its own origin, never past the destroy the provider
 * confirmed. Idempotent: a second call for the same span writes nothing.
 */
export function accrueSession(ctx: ServiceContext, session: StoredSession, until: number): void {
  const billing = ctx.store.billing.get(session.id)
  if (!billing) return
  const end = billing.endedAt !== null ? Math.min(until, billing.endedAt) : until
  ctx.store.transaction(() => {
    for (const component of billedComponents(billing)) {
      const from = ctx.store.ledger.accruedUntil(session.id, component.component) ?? component.from
      for (const period of accrualPeriods(component.from, component.pricePerHour, from, end)) {
        ctx.store.ledger.append({
          sessionId: session.id,
          consumerId: session.consumerId,
          provider: session.provider,
          gpuType: session.gpuType,
          component: component.component,
          periodStart: period.start,
          periodEnd: period.end,
          pricePerHour: component.pricePerHour,
          amount: period.amount,
        })
      }
    }
  })
}

/** Brings every instance that still bills up to now. */
export function accrueAll(ctx: ServiceContext): void {
  const now = ctx.clock.now()
  for (const billing of ctx.store.billing.running()) {
    const session = ctx.store.sessions.get(billing.sessionId)
    if (session) accrueSession(ctx, session, now)
  }
}

/** The provider confirmed the destroy at `endedAt`: billing stops there, and the ledger is brought up to it. */
export function endBilling(ctx: ServiceContext, session: StoredSession, endedAt: number): void {
  ctx.store.billing.end(session.id, endedAt)
  accrueSession(ctx, session, endedAt)
}

export interface CostQuery {
  consumerId?: string
  startDate?: string
  endDate?: string
}

export interface CostReport extends LedgerTotals {
  from: number | undefined
  to: number | undefined
}

export function sessionCost(ctx: ServiceContext, sessionId: string): {session: StoredSession; total: MicroUsd; billedMs: number} {
  const session = ctx.store.sessions.get(sessionId)
  if (!session) throw new AppError('not_found', `session ${sessionId} does not exist`, {session_id: sessionId})
  accrueSession(ctx, session, ctx.clock.now())
  const totals = ctx.store.ledger.totals({sessionId})
  return {session, total: totals.total, billedMs: totals.billedMs}
}

/** Totals over a date range (UTC days, end inclusive). */
export function costReport(ctx: ServiceContext, query: CostQuery): CostReport {
  const {from, to} = accruedRange(ctx, query)
  return {...ctx.store.ledger.totals({consumerId: query.consumerId, from, to}), from, to}
}

/** The ledger brought up to now, and the query's UTC days as epoch ms [from, to). */
function accruedRange(ctx: ServiceContext, query: CostQuery): {from: number | undefined; to: number | undefined} {
  accrueAll(ctx)
  const from = query.startDate ? Date.parse(`${query.startDate}T00:00:00Z`) : undefined
  const to = query.endDate ? Date.parse(`${query.endDate}T00:00:00Z`) + DAY_MS : undefined
  if (from !== undefined && Number.isNaN(from)) throw new AppError('validation_error', `start_date ${query.startDate} is not a date`, {field: 'start_date'})
  if (to !== undefined && Number.isNaN(to)) throw new AppError('validation_error', `end_date ${query.endDate} is not a date`, {field: 'end_date'})
  if (from !== undefined && to !== undefined && to <= from) {
    throw new AppError('validation_error', 'end_date is before start_date', {field: 'end_date'})
  }
  return {from, to}
}

export function costSeries(ctx: ServiceContext, query: CostQuery, period: 'daily' | 'monthly') {
  const {from, to} = accruedRange(ctx, query)
  return ctx.store.ledger.series({consumerId: query.consumerId, from, to}, period)
}

/** The ledger rows a cost query covers (optionally one session's), oldest first, for export. */
export function ledgerRows(ctx: ServiceContext, query: CostQuery & {sessionId?: string}): Iterable<LedgerEntry> {
  const {from, to} = accruedRange(ctx, query)
  return ctx.store.ledger.rows({consumerId: query.consumerId, sessionId: query.sessionId, from, to})
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
