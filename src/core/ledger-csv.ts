import type {LedgerComponent} from './billing.js'
import {toIso} from './clock.js'
import {formatUsd, type MicroUsd} from './money.js'

/** One billed period of one session: the ledger's row. */
export interface LedgerEntry {
  sessionId: string
  consumerId: string
  provider: string
  gpuType: string
  /** What the row bills: compute or storage time, or a settlement with the provider's own bill. */
  component: LedgerComponent
  periodStart: number
  periodEnd: number
  pricePerHour: MicroUsd
  amount: MicroUsd
}

export const LEDGER_CSV_HEADER =
  'session_id,consumer_id,provider,gpu_type,period_start,period_end,seconds,price_per_hour_usd,amount_usd,amount_micro_usd,component'

/** One ledger row as RFC 4180 CSV; amounts exact (six decimals and the integer micro-USD). */
export function ledgerCsvLine(r: LedgerEntry): string {
  return [
    r.sessionId,
    r.consumerId,
    r.provider,
    r.gpuType,
    toIso(r.periodStart),
    toIso(r.periodEnd),
    ((r.periodEnd - r.periodStart) / 1000).toFixed(3),
    formatUsd(r.pricePerHour, 6).replace('$', ''),
    formatUsd(r.amount, 6).replace('$', ''),
    String(r.amount),
    r.component,
  ]
    .map(csvCell)
    .join(',')
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}
