import type {LedgerComponent} from '../core/billing.js'
import type {LedgerEntry} from '../core/ledger-csv.js'
import type {LedgerTotals, SeriesPoint} from '../core/ledger-totals.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {Db} from './database.js'

export type {LedgerEntry, LedgerTotals}

export interface LedgerFilter {
  /** Only this tenant's rows; every tenant's when absent. */
  tenantId?: string
  consumerId?: string
  sessionId?: string
  /** Inclusive, epoch ms. */
  from?: number
  /** Exclusive, epoch ms. */
  to?: number
}

/**
 * Append-only cost rows. Every total anywhere is a SUM over these rows, so session,
 * consumer, provider and period totals always agree to the micro-dollar.
 */
export class LedgerRepo {
  constructor(private readonly db: Db) {}

  append(entry: LedgerEntry): void {
    this.db
      .prepare(
        // A row belongs to its session's tenant, whoever writes it.
        `INSERT INTO ledger (session_id, consumer_id, provider, gpu_type, component, period_start, period_end, price_per_hour_micro, amount_micro, tenant_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT tenant_id FROM sessions WHERE id = ?))`,
      )
      .run(entry.sessionId, entry.consumerId, entry.provider, entry.gpuType, entry.component, entry.periodStart, entry.periodEnd, entry.pricePerHour, entry.amount, entry.sessionId)
  }

  /** End of the last accrued period of one component of a session, or null if nothing was accrued yet. */
  accruedUntil(sessionId: string, component: LedgerComponent): number | null {
    const row = this.db.prepare('SELECT max(period_end) AS end FROM ledger WHERE session_id = ? AND component = ?').get(sessionId, component) as {
      end: number | null
    }
    return row.end
  }

  totalForSession(sessionId: string): MicroUsd {
    const row = this.db.prepare('SELECT coalesce(sum(amount_micro), 0) AS total FROM ledger WHERE session_id = ?').get(sessionId) as {total: number}
    return asMicroUsd(row.total)
  }

  /** Totals per session id for many sessions at once (for session lists). */
  totalsForSessions(sessionIds: readonly string[]): Map<string, MicroUsd> {
    const result = new Map<string, MicroUsd>()
    if (sessionIds.length === 0) return result
    const rows = this.db
      .prepare(`SELECT session_id, sum(amount_micro) AS total FROM ledger WHERE session_id IN (${sessionIds.map(() => '?').join(',')}) GROUP BY session_id`)
      .all(...sessionIds) as {session_id: string; total: number}[]
    for (const r of rows) result.set(r.session_id, asMicroUsd(r.total))
    return result
  }

  /** Whether any row matches (a session's rows, within a period). */
  any(filter: LedgerFilter): boolean {
    const {whereSql, params} = buildWhere(filter)
    return this.db.prepare(`SELECT 1 FROM ledger ${whereSql} LIMIT 1`).get(params) !== undefined
  }

  totals(filter: LedgerFilter): LedgerTotals {
    const {whereSql, params} = buildWhere(filter)
    const head = this.db
      .prepare(
        `SELECT coalesce(sum(amount_micro), 0) AS total, count(DISTINCT session_id) AS sessions,
                coalesce(sum(CASE WHEN component = 'compute' THEN period_end - period_start END), 0) AS ms FROM ledger ${whereSql}`,
      )
      .get(params) as {total: number; sessions: number; ms: number}
    const group = (column: string) => {
      const rows = this.db
        .prepare(`SELECT ${column} AS k, sum(amount_micro) AS total FROM ledger ${whereSql} GROUP BY ${column} ORDER BY ${column}`)
        .all(params) as {k: string; total: number}[]
      return Object.fromEntries(rows.map((r) => [r.k, asMicroUsd(r.total)]))
    }
    return {
      total: asMicroUsd(head.total),
      sessionCount: head.sessions,
      billedMs: head.ms,
      byProvider: group('provider'),
      byGpuType: group('gpu_type'),
      byConsumer: group('consumer_id'),
    }
  }

  /** The rows themselves, oldest first, for export. */
  *rows(filter: LedgerFilter): Generator<LedgerEntry> {
    const {whereSql, params} = buildWhere(filter)
    const stmt = this.db.prepare(`SELECT * FROM ledger ${whereSql} ORDER BY period_start, id`)
    for (const r of stmt.iterate(params) as Iterable<{
      session_id: string
      consumer_id: string
      provider: string
      gpu_type: string
      component: LedgerComponent
      period_start: number
      period_end: number
      price_per_hour_micro: number
      amount_micro: number
    }>) {
      yield {
        sessionId: r.session_id,
        consumerId: r.consumer_id,
        provider: r.provider,
        gpuType: r.gpu_type,
        component: r.component,
        periodStart: r.period_start,
        periodEnd: r.period_end,
        pricePerHour: asMicroUsd(r.price_per_hour_micro),
        amount: asMicroUsd(r.amount_micro),
      }
    }
  }

  /** Sums per UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`); rows never straddle a UTC midnight. */
  series(filter: LedgerFilter, period: 'daily' | 'monthly'): SeriesPoint[] {
    const {whereSql, params} = buildWhere(filter)
    const format = period === 'daily' ? '%Y-%m-%d' : '%Y-%m'
    const rows = this.db
      .prepare(
        `SELECT strftime('${format}', period_start / 1000, 'unixepoch') AS p, sum(amount_micro) AS total
         FROM ledger ${whereSql} GROUP BY p ORDER BY p`,
      )
      .all(params) as {p: string; total: number}[]
    return rows.map((r) => ({period: r.p, total: asMicroUsd(r.total)}))
  }
}

function buildWhere(filter: LedgerFilter): {whereSql: string; params: Record<string, unknown>} {
  const where: string[] = []
  const params: Record<string, unknown> = {}
  if (filter.tenantId !== undefined) {
    where.push('tenant_id = @tenant')
    params.tenant = filter.tenantId
  }
  if (filter.consumerId) {
    where.push('consumer_id = @consumer')
    params.consumer = filter.consumerId
  }
  if (filter.sessionId) {
    where.push('session_id = @session')
    params.session = filter.sessionId
  }
  if (filter.from !== undefined) {
    where.push('period_start >= @from')
    params.from = filter.from
  }
  if (filter.to !== undefined) {
    where.push('period_start < @to')
    params.to = filter.to
  }
  return {whereSql: where.length ? `WHERE ${where.join(' AND ')}` : '', params}
}
