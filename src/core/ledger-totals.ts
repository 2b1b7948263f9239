import type {LedgerEntry} from './ledger-csv.js'
import {asMicroUsd, type MicroUsd} from './money.js'

export interface LedgerTotals {
  total: MicroUsd
  sessionCount: number
  /** Billed compute (running) milliseconds across sessions. */
  billedMs: number
  byProvider: Record<string, MicroUsd>
  byGpuType: Record<string, MicroUsd>
  byConsumer: Record<string, MicroUsd>
  /** compute (running), storage (the disk, running or preserved) and settlement (squared with the provider's bill). */
  byComponent: Record<string, MicroUsd>
}

export interface SeriesPoint {
  /** `YYYY-MM-DD` (daily) or `YYYY-MM` (monthly), UTC. */
  period: string
  total: MicroUsd
}

const add = (into: Record<string, MicroUsd>, key: string, amount: MicroUsd) => {
  into[key] = asMicroUsd((into[key] ?? 0) + amount)
}

/**
 * Totals with rows that are not in the ledger yet added in, exactly as if they were: the same
 * sums the SQL computes. `newSessions` counts sessions that have no row among `totals` yet.
 */
export function totalsWith(totals: LedgerTotals, entries: readonly LedgerEntry[], newSessions: number): LedgerTotals {
  const sum = {
    ...totals,
    byProvider: {...totals.byProvider},
    byGpuType: {...totals.byGpuType},
    byConsumer: {...totals.byConsumer},
    byComponent: {...totals.byComponent},
    sessionCount: totals.sessionCount + newSessions,
  }
  for (const e of entries) {
    sum.total = asMicroUsd(sum.total + e.amount)
    if (e.component === 'compute') sum.billedMs += e.periodEnd - e.periodStart
    add(sum.byProvider, e.provider, e.amount)
    add(sum.byGpuType, e.gpuType, e.amount)
    add(sum.byConsumer, e.consumerId, e.amount)
    add(sum.byComponent, e.component, e.amount)
  }
  const sorted = (r: Record<string, MicroUsd>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
  return {...sum, byProvider: sorted(sum.byProvider), byGpuType: sorted(sum.byGpuType), byConsumer: sorted(sum.byConsumer), byComponent: sorted(sum.byComponent)}
}

/** The UTC day or month a row falls in; rows never straddle a UTC midnight. */
export function periodOf(at: number, period: 'daily' | 'monthly'): string {
  return new Date(at).toISOString().slice(0, period === 'daily' ? 10 : 7)
}

/** A per-period series with rows not in the ledger yet added in, periods in order. */
export function seriesWith(series: readonly SeriesPoint[], entries: readonly LedgerEntry[], period: 'daily' | 'monthly'): SeriesPoint[] {
  const byPeriod = new Map(series.map((p) => [p.period, p.total]))
  for (const e of entries) {
    const key = periodOf(e.periodStart, period)
    byPeriod.set(key, asMicroUsd((byPeriod.get(key) ?? 0) + e.amount))
  }
  return [...byPeriod.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, total]) => ({period: p, total}))
}

/**
 * Ledger rows (oldest first) and rows not written yet merged into one stream, oldest first.
 * The ledger is read a page at a time while it accrues: a pending row that turns up among the
 * ledger's (same session, component and start) was written meanwhile, and is given once.
 */
export async function* rowsWith(rows: AsyncIterable<LedgerEntry>, entries: readonly LedgerEntry[]): AsyncGenerator<LedgerEntry> {
  const pending = [...entries].sort((a, b) => a.periodStart - b.periodStart)
  const keyOf = (e: LedgerEntry) => `${e.sessionId}\u0000${e.component}\u0000${e.periodStart}`
  const pendingKeys = new Set(pending.map(keyOf))
  const written = new Set<string>()
  let next = 0
  function* pendingBefore(at: number): Generator<LedgerEntry> {
    while (next < pending.length && pending[next]!.periodStart < at) {
      const entry = pending[next++]!
      if (!written.has(keyOf(entry))) yield entry
    }
  }
  for await (const row of rows) {
    yield* pendingBefore(row.periodStart)
    if (pendingKeys.has(keyOf(row))) written.add(keyOf(row))
    yield row
  }
  yield* pendingBefore(Infinity)
}
