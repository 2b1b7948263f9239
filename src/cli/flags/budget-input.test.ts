import {describe, expect, it} from 'vitest'

import {budgetBodyFrom, parseAlertThreshold} from './budget-input.js'
import {userRefusalOf} from '../../../test/support/user-refusal.js'

const refusal = userRefusalOf

describe('parseAlertThreshold', () => {
  it('takes a fraction or a percentage', () => {
    expect(parseAlertThreshold('0.8')).toBe(0.8)
    expect(parseAlertThreshold('.5')).toBe(0.5)
    expect(parseAlertThreshold('80%')).toBe(0.8)
    expect(parseAlertThreshold(' 82.5 % ')).toBe(0.825)
    expect(parseAlertThreshold('0')).toBe(0)
    expect(parseAlertThreshold('100%')).toBe(1)
    expect(parseAlertThreshold('1')).toBe(1)
  })

  it('refuses values out of range, naming the flag and suggesting a percentage for 80', () => {
    const err = refusal(() => parseAlertThreshold('80'))
    expect(err.message).toMatch(/^--alert-at must be between 0 and 1/)
    expect(err.fix).toContain('--alert-at 80%')
    expect(err.exitCode).toBe(2)
    expect(refusal(() => parseAlertThreshold('120%')).message).toContain('--alert-at')
    expect(refusal(() => parseAlertThreshold('-0.1')).message).toContain('--alert-at')
  })

  it('refuses text that is not a number', () => {
    for (const input of ['', '%', 'abc', '0.8x', '1e-1', '0x1']) expect(refusal(() => parseAlertThreshold(input)).message).toMatch(/^--alert-at must be a fraction/)
  })
})

describe('budgetBodyFrom', () => {
  it('sends only what was given, leaving the defaults to the daemon', () => {
    expect(budgetBodyFrom({'monthly-limit': 250})).toEqual({monthly_limit: 250})
    expect(budgetBodyFrom({'monthly-limit': 0.01, 'alert-at': '90%', 'on-limit': 'alert'})).toEqual({monthly_limit: 0.01, alert_threshold: 0.9, on_limit: 'alert'})
  })

  it('accepts a zero limit and refuses a negative one', () => {
    expect(budgetBodyFrom({'monthly-limit': 0})).toEqual({monthly_limit: 0})
    expect(refusal(() => budgetBodyFrom({'monthly-limit': -1})).message).toBe('--monthly-limit must be 0 or more USD (got -1)')
    expect(refusal(() => budgetBodyFrom({'monthly-limit': 1e9})).message).toMatch(/^--monthly-limit must be at most/)
  })

  it('refuses an unknown --on-limit', () => {
    expect(refusal(() => budgetBodyFrom({'monthly-limit': 1, 'on-limit': 'stop'})).message).toContain('release, alert')
  })
})
