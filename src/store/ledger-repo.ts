import type {LedgerComponent} from '../core/billing.js'
import type {LedgerEntry} from '../core/ledger-csv.js'
import type {LedgerTotals, SeriesPoint} from '../core/ledger-totals.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {SqlDatabase} from './sql/sql-database.js'

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
  constructor(private readonly db: SqlDatabase) {}

  async append(entry: LedgerEntry): Promise<void> {
    await this.db.run(
      // A row belongs to its session's tenant, whoever writes it.
      `INSERT INTO ledger (session_id, consumer_id, provider, gpu_type, component, period_start, period_end, price_per_hour_micro, amount_micro, tenant_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT tenant_id FROM sessions WHERE id = ?))`,
      [entry.sessionId, entry.consumerId, entry.provider, entry.gpuType, entry.component, entry.periodStart, entry.periodEnd, entry.pricePerHour, entry.amount, entry.sessionId],
    )
  }

  /** End of the last accrued period of one component of a session, or null if nothing was accrued yet. */
  async accruedUntil(sessionId: string, component: LedgerComponent): Promise<number | null> {
    const row = await this.db.get<{end: number | null}>('SELECT max(period_end) AS end FROM ledger WHERE session_id = ? AND component = ?', [sessionId, component])
    return row!.end
  }

  async totalForSession(sessionId: string): Promise<MicroUsd> {
    const row = await this.db.get<{total: number}>('SELECT coalesce(sum(amount_micro), 0) AS total FROM ledger WHERE session_id = ?', [sessionId])
    return asMicroUsd(row!.total)
  }

  /** Totals per session id for many sessions at once (for session lists). */
  async totalsForSessions(sessionIds: readonly string[]): Promise<Map<string, MicroUsd>> {
    const result = new Map<string, MicroUsd>()
    if (sessionIds.length === 0) return result
    const rows = await this.db.all<{session_id: string; total: number}>(
      `SELECT session_id, sum(amount_micro) AS total FROM ledger WHERE ${this.db.inList('session_id', '@ids')} GROUP BY session_id`,
      {ids: this.db.list(sessionIds)},
    )
    for (const r of rows) result.set(r.session_id, asMicroUsd(r.total))
    return result
  }

  /** Whether any row matches (a session's rows, within a period). */
  async any(filter: LedgerFilter): Promise<boolean> {
    const {whereSql, params} = buildWhere(filter)
    return (await this.db.get(`SELECT 1 AS found FROM ledger ${whereSql} LIMIT 1`, params)) !== undefined
  }

  async totals(filter: LedgerFilter): Promise<LedgerTotals> {
    const {whereSql, params} = buildWhere(filter)
    const head = (await this.db.get<{total: number; sessions: number; ms: number}>(
      `SELECT coalesce(sum(amount_micro), 0) AS total, count(DISTINCT session_id) AS sessions,
              coalesce(sum(CASE WHEN component = 'compute' THEN period_end - period_start END), 0) AS ms FROM ledger ${whereSql}`,
      params,
    ))!
    const group = async (column: string) => {
      const rows = await this.db.all<{k: string; total: number}>(
        `SELECT ${column} AS k, sum(amount_micro) AS total FROM ledger ${whereSql} GROUP BY ${column} ORDER BY ${column}`,
        params,
      )
      return Object.fromEntries(rows.map((r) => [r.k, asMicroUsd(r.total)]))
    }
    return {
      total: asMicroUsd(head.total),
      sessionCount: head.sessions,
      billedMs: head.ms,
      byProvider: await group('provider'),
      byGpuType: await group('gpu_type'),
      byConsumer: await group('consumer_id'),
      byComponent: await group('component'),
    }
  }

  /**
   * The rows themselves, oldest first, for export: read a page at a time after the last row
   * seen, so a large ledger is never held in memory nor a connection held while it is written.
   */
  async *rows(filter: LedgerFilter, pageSize = 1000): AsyncGenerator<LedgerEntry> {
    const {whereSql, params} = buildWhere(filter)
    const after = `${whereSql ? `${whereSql} AND` : 'WHERE'} (period_start > @afterStart OR (period_start = @afterStart AND id > @afterId))`
    let cursor = {afterStart: -1, afterId: 0}
    for (;;) {
      const page = await this.db.all<{
        id: number
        session_id: string
        consumer_id: string
        provider: string
        gpu_type: string
        component: LedgerComponent
        period_start: number
        period_end: number
        price_per_hour_micro: number
        amount_micro: number
      }>(`SELECT * FROM ledger ${after} ORDER BY period_start, id LIMIT @pageSize`, {...params, ...cursor, pageSize})
      for (const r of page) {
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
      if (page.length < pageSize) return
      const last = page.at(-1)!
      cursor = {afterStart: last.period_start, afterId: last.id}
    }
  }

  /** Sums per UTC day (`YYYY-MM-DD`) or month (`YYYY-MM`); rows never straddle a UTC midnight. */
  async series(filter: LedgerFilter, period: 'daily' | 'monthly'): Promise<SeriesPoint[]> {
    const {whereSql, params} = buildWhere(filter)
    const bucket =
      this.db.dialect === 'postgres'
        ? `to_char(to_timestamp(period_start / 1000.0) AT TIME ZONE 'UTC', '${period === 'daily' ? 'YYYY-MM-DD' : 'YYYY-MM'}')`
        : `strftime('${period === 'daily' ? '%Y-%m-%d' : '%Y-%m'}', period_start / 1000, 'unixepoch')`
    const rows = await this.db.all<{p: string; total: number}>(
      `SELECT ${bucket} AS p, sum(amount_micro) AS total FROM ledger ${whereSql} GROUP BY p ORDER BY p`,
      params,
    )
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
