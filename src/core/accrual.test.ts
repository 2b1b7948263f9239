import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {accrualPeriods} from './accrual.js'
import {costForDuration, type MicroUsd} from './money.js'

const sum = (xs: {amount: number}[]) => xs.reduce((a, p) => a + p.amount, 0)

describe('accrualPeriods', () => {
  it('cuts at UTC midnight', () => {
    const start = Date.UTC(2026, 10, 23, 23, 30)
    const periods = accrualPeriods(start, 1_000_000 as MicroUsd, start, start + 3_600_000)
    expect(periods.map((p) => [p.start, p.end])).toEqual([
      [start, Date.UTC(2026, 10, 24)],
      [Date.UTC(2026, 10, 24), start + 3_600_000],
    ])
    expect(sum(periods)).toBe(1_000_000)
  })

  it('sums to the cost of the whole span however the span is split (rounded once)', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 40_000_000}),
        fc.integer({min: 1_700_000_000_000, max: 1_800_000_000_000}),
        fc.array(fc.integer({min: 1, max: 7_200_000}), {minLength: 1, maxLength: 30}),
        (price, startedAt, steps) => {
          let at = startedAt
          let total = 0
          for (const step of steps) {
            total += sum(accrualPeriods(startedAt, price as MicroUsd, at, at + step))
            at += step
          }
          expect(total).toBe(costForDuration(price as MicroUsd, at - startedAt))
        },
      ),
    )
  })

  it('writes nothing for an empty or inverted span', () => {
    expect(accrualPeriods(0, 5 as MicroUsd, 10, 10)).toEqual([])
    expect(accrualPeriods(0, 5 as MicroUsd, 10, 5)).toEqual([])
  })
})
