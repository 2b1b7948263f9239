import {asMicroUsd, costForDuration, type MicroUsd} from './money.js'

export interface AccrualPeriod {
  start: number
  end: number
  amount: MicroUsd
}

const DAY_MS = 86_400_000

/**
 * The ledger rows that bill a session from `from` to `until`. Each amount is the difference
 * of the session's cumulative cost (rounded once, from `startedAt`) at the two ends, so any
 * split of the same span sums to exactly the same total. Periods are cut at UTC midnight so
 * daily totals never need to split a row.
 */
export function accrualPeriods(startedAt: number, pricePerHour: MicroUsd, from: number, until: number): AccrualPeriod[] {
  const periods: AccrualPeriod[] = []
  let start = Math.max(from, startedAt)
  while (start < until) {
    const nextMidnight = (Math.floor(start / DAY_MS) + 1) * DAY_MS
    const end = Math.min(until, nextMidnight)
    const amount = costForDuration(pricePerHour, end - startedAt) - costForDuration(pricePerHour, start - startedAt)
    periods.push({start, end, amount: asMicroUsd(amount)})
    start = end
  }
  return periods
}
