import {describe, expect, it} from 'vitest'

import type {BudgetDto} from '../../../core/api/budgets.js'
import {toTsv} from './column.js'
import {BUDGET_COLUMNS, budgetDetails, budgetState, formatThreshold} from './budgets.js'

const budget: BudgetDto = {
  consumer_id: 'my-app',
  month: '2026-01',
  monthly_limit: 250,
  monthly_limit_micro_usd: 250_000_000,
  alert_threshold: 0.8,
  on_limit: 'release',
  spent: 12.5,
  spent_micro_usd: 12_500_000,
  committed: 1.4,
  committed_micro_usd: 1_400_000,
  remaining: 236.1,
  remaining_micro_usd: 236_100_000,
  alerted: false,
  limit_reached: false,
  simulated: true,
}

describe('budget columns', () => {
  it('render consumer, month, money, threshold, action and state in order', () => {
    expect(toTsv(BUDGET_COLUMNS, [budget], {now: 0}).split('\t')).toEqual(['my-app', '2026-01', '$250.00', '$12.50', '$1.40', '$236.10', '80%', 'release', 'ok'])
    expect(BUDGET_COLUMNS.map((c) => c.header)).toEqual(['CONSUMER', 'MONTH', 'LIMIT', 'SPENT', 'COMMITTED', 'REMAINING', 'ALERT AT', 'ON LIMIT', 'STATE'])
  })

  it('show sub-cent amounts as not quite nothing', () => {
    const tiny = {...budget, monthly_limit_micro_usd: 10_000, spent_micro_usd: 0, committed_micro_usd: 0, remaining_micro_usd: 10_000}
    expect(toTsv(BUDGET_COLUMNS, [tiny], {now: 0}).split('\t').slice(2, 6)).toEqual(['$0.01', '$0.00', '$0.00', '$0.01'])
  })
})

describe('budgetState', () => {
  it('prefers the limit over the alert', () => {
    expect(budgetState({alerted: true, limit_reached: true})).toBe('limit reached')
    expect(budgetState({alerted: true, limit_reached: false})).toBe('alerted')
    expect(budgetState({alerted: false, limit_reached: false})).toBe('ok')
  })
})

describe('formatThreshold', () => {
  it('prints fractions as percentages without binary noise', () => {
    expect(formatThreshold(0.8)).toBe('80%')
    expect(formatThreshold(0.825)).toBe('82.5%')
    expect(formatThreshold(0.07)).toBe('7%')
    expect(formatThreshold(1)).toBe('100%')
  })
})

describe('budgetDetails', () => {
  it('explains committed, the alert amount and what happens at the limit', () => {
    const rows = Object.fromEntries(budgetDetails({...budget, alerted: true, on_limit: 'alert'}))
    expect(rows.Limit).toBe('$250.00 per month')
    expect(rows.Committed).toMatch(/^\$1\.40 \(/)
    expect(rows['Alert at']).toBe('80% of the limit ($200.00)')
    expect(rows['On limit']).toBe('alert (alert only)')
    expect(rows.State).toBe('alerted')
    expect(rows.Month).toBe('2026-01 (UTC)')
  })
})
