import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {costForDuration, formatUsd, microToUsd, toMicroUsd, type MicroUsd} from './money.js'

describe('toMicroUsd', () => {
  it.each([
    [0.2288, 228_800],
    ['0.2288', 228_800],
    [0.1 + 0.2, 300_000],
    [1.0020741, 1_002_074],
    ['1.0000005', 1_000_001],
    [2.19, 2_190_000],
    [0, 0],
    ['  3.5 ', 3_500_000],
  ])('converts %s to %i micro-USD', (usd, micro) => {
    expect(toMicroUsd(usd)).toBe(micro)
  })

  it('refuses what is not an amount', () => {
    expect(() => toMicroUsd('abc')).toThrow(/not a decimal/)
    expect(() => toMicroUsd(Number.NaN)).toThrow(/finite/)
  })
})

describe('formatUsd', () => {
  it('rounds half up at the requested digits', () => {
    expect(formatUsd(228_800 as MicroUsd)).toBe('$0.23')
    expect(formatUsd(228_800 as MicroUsd, 4)).toBe('$0.2288')
    expect(formatUsd(1_005_000 as MicroUsd)).toBe('$1.01')
    expect(formatUsd(-500_000 as MicroUsd)).toBe('-$0.50')
  })
  it('round-trips through microToUsd', () => {
    expect(microToUsd(toMicroUsd('45.67'))).toBe(45.67)
  })
})

describe('costForDuration', () => {
  it('bills an hour at the hourly price and a second at 1/3600 of it', () => {
    expect(costForDuration(360_000 as MicroUsd, 3_600_000)).toBe(360_000)
    expect(costForDuration(360_000 as MicroUsd, 1_000)).toBe(100)
    expect(costForDuration(360_000 as MicroUsd, 0)).toBe(0)
  })
  it('is monotonic in time', () => {
    fc.assert(
      fc.property(fc.integer({min: 0, max: 50_000_000}), fc.nat(10 * 86_400_000), fc.nat(86_400_000), (price, a, d) => {
        expect(costForDuration(price as MicroUsd, a + d)).toBeGreaterThanOrEqual(costForDuration(price as MicroUsd, a))
      }),
    )
  })
})

describe('toMicroUsd fast path', () => {
  it('agrees with the exact decimal route for every amount with up to six decimals', () => {
    fc.assert(
      fc.property(fc.integer({min: -10_000_000_000, max: 10_000_000_000}), (micro) => {
        const usd = micro / 1_000_000
        expect(toMicroUsd(usd)).toBe(micro)
        expect(toMicroUsd(String(usd))).toBe(micro)
      }),
      {numRuns: 5000},
    )
  })
})
