import type {BudgetBody} from '../../core/api/budgets.js'
import {ON_LIMIT_ACTIONS, type OnLimitAction} from '../../core/budget.js'
import {MAX_MONTHLY_LIMIT_USD} from '../../core/limits.js'
import {flagError} from '../errors.js'

/**
 * `--alert-at` as a fraction of the limit: `0.8`, `.8` or `80%`. A bare number over 1 is
 * refused rather than guessed at (80 could be a typo for 0.8 or for 8%).
 */
export function parseAlertThreshold(input: string): number {
  const text = input.trim()
  const percent = text.endsWith('%')
  const number = percent ? text.slice(0, -1).trim() : text
  const value = number === '' || !/^[+]?(\d+\.?\d*|\.\d+)$/.test(number) ? Number.NaN : Number(number)
  if (!Number.isFinite(value)) throw flagError('alert-at', `must be a fraction from 0 to 1 or a percentage (got "${input}")`, 'Pass e.g. --alert-at 0.8 or --alert-at 80%.')
  const fraction = percent ? value / 100 : value
  if (fraction < 0 || fraction > 1) {
    const hint = !percent && value > 1 && value <= 100 ? ` Did you mean --alert-at ${value}%?` : ''
    throw flagError('alert-at', `must be between 0 and 1, or 0% and 100% (got "${input}")`, `Pass e.g. --alert-at 0.8 or --alert-at 80%.${hint}`)
  }
  // 82.5% / 100 is 0.8250000000000001 in binary: round to what anyone could have meant.
  return Number(fraction.toFixed(6))
}

export function checkMonthlyLimit(value: number): void {
  if (!Number.isFinite(value) || value < 0) throw flagError('monthly-limit', `must be 0 or more USD (got ${value})`, 'Pass the monthly limit in dollars, e.g. --monthly-limit 250.')
  if (value > MAX_MONTHLY_LIMIT_USD) throw flagError('monthly-limit', `must be at most ${MAX_MONTHLY_LIMIT_USD} USD (got ${value})`)
}

/** The `PUT /consumers/:id/budget` body from the `budgets set` flags, checked. */
export function budgetBodyFrom(flags: {'monthly-limit': number; 'alert-at'?: string; 'on-limit'?: string}): BudgetBody {
  checkMonthlyLimit(flags['monthly-limit'])
  const body: BudgetBody = {monthly_limit: flags['monthly-limit']}
  if (flags['alert-at'] !== undefined) body.alert_threshold = parseAlertThreshold(flags['alert-at'])
  if (flags['on-limit'] !== undefined) {
    if (!(ON_LIMIT_ACTIONS as readonly string[]).includes(flags['on-limit'])) {
      throw flagError('on-limit', `must be one of ${ON_LIMIT_ACTIONS.join(', ')} (got "${flags['on-limit']}")`)
    }
    body.on_limit = flags['on-limit'] as OnLimitAction
  }
  return body
}
