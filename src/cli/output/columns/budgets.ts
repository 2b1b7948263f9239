import ansis from 'ansis'

import type {BudgetDto} from '../../../core/api/budgets.js'
import {formatCost} from '../format.js'
import type {Column} from './column.js'

/** "80%", "82.5%": the alert threshold as people say it. */
export function formatThreshold(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))}%`
}

/** Where the month stands: the limit wins over the alert, as it is the stronger signal. */
export function budgetState(b: Pick<BudgetDto, 'alerted' | 'limit_reached'>): 'limit reached' | 'alerted' | 'ok' {
  if (b.limit_reached) return 'limit reached'
  if (b.alerted) return 'alerted'
  return 'ok'
}

/** What happens at the limit, in words: `release` destroys the consumer's live sessions. */
export function onLimitText(onLimit: BudgetDto['on_limit']): string {
  return onLimit === 'release' ? 'release sessions' : 'alert only'
}

const STATE_STYLE: Record<ReturnType<typeof budgetState>, (text: string) => string> = {
  'limit reached': (t) => ansis.red(t),
  alerted: (t) => ansis.yellow(t),
  ok: (t) => ansis.green(t),
}

export const BUDGET_COLUMNS: readonly Column<BudgetDto>[] = [
  {id: 'consumer', header: 'CONSUMER', value: (b) => b.consumer_id},
  {id: 'month', header: 'MONTH', value: (b) => b.month},
  {id: 'limit', header: 'LIMIT', align: 'right', value: (b) => formatCost(b.monthly_limit_micro_usd)},
  {id: 'spent', header: 'SPENT', align: 'right', value: (b) => formatCost(b.spent_micro_usd)},
  {id: 'committed', header: 'COMMITTED', align: 'right', value: (b) => formatCost(b.committed_micro_usd)},
  {id: 'remaining', header: 'REMAINING', align: 'right', value: (b) => formatCost(b.remaining_micro_usd)},
  {id: 'alert_at', header: 'ALERT AT', align: 'right', value: (b) => formatThreshold(b.alert_threshold)},
  {id: 'on_limit', header: 'ON LIMIT', value: (b) => b.on_limit},
  {id: 'state', header: 'STATE', value: budgetState, style: (text, b) => STATE_STYLE[budgetState(b)](text)},
]

/** One budget as label and value pairs, in reading order. */
export function budgetDetails(b: BudgetDto): Array<[string, string]> {
  return [
    ['Consumer', b.consumer_id],
    ['Month', `${b.month} (UTC)`],
    ['Limit', `${formatCost(b.monthly_limit_micro_usd)} per month`],
    ['Spent', formatCost(b.spent_micro_usd)],
    ['Committed', `${formatCost(b.committed_micro_usd)} (what running sessions may still cost)`],
    ['Remaining', formatCost(b.remaining_micro_usd)],
    ['Alert at', `${formatThreshold(b.alert_threshold)} of the limit (${formatCost(Math.round(b.monthly_limit_micro_usd * b.alert_threshold))})`],
    ['On limit', `${b.on_limit} (${onLimitText(b.on_limit)})`],
    ['State', budgetState(b)],
  ]
}
