import {describe, expect, it} from 'vitest'

import {costDigits, countOf, formatClock, formatCost, localizeTimes, plural} from './format.js'
import {renderFields} from './output.js'

describe('plural and countOf', () => {
  it('agree with the number', () => {
    expect(plural(1, 'session')).toBe('1 session')
    expect(plural(0, 'session')).toBe('0 sessions')
    expect(plural(2, 'SKU')).toBe('2 SKUs')
    expect(plural(1, 'entry', 'entries')).toBe('1 entry')
    expect(plural(12_345, 'offer')).toBe('12,345 offers')
  })

  it('makes "N of M" agree with the total', () => {
    expect(countOf(1, 1, 'session')).toBe('1 of 1 session')
    expect(countOf(1, 3, 'session')).toBe('1 of 3 sessions')
    expect(countOf(0, 0, 'allocation')).toBe('0 of 0 allocations')
  })
})

describe('costs shown together', () => {
  it('keep a cost under a cent visible alone', () => {
    expect(formatCost(9_800)).toBe('$0.0098')
    expect(formatCost(12)).toBe('$0.000012')
    expect(formatCost(1_234_567)).toBe('$1.23')
    expect(formatCost(0)).toBe('$0.00')
  })

  it('share the finest precision any of them needs, so a total matches its rows', () => {
    // Given rows of $0.0098 and $0.0004 and their total $0.0102
    const rows = [9_800, 400]
    const digits = costDigits([...rows, 10_200])
    // Then the total is not rounded to "$0.01" beside them
    expect(digits).toBe(4)
    expect(formatCost(10_200, digits)).toBe('$0.0102')
    expect(rows.map((r) => formatCost(r, digits))).toEqual(['$0.0098', '$0.0004'])
    expect(costDigits([1_500_000, 2_000_000])).toBe(2)
    expect(costDigits([])).toBe(2)
  })
})

describe('localizeTimes', () => {
  it('shows the RFC 3339 times in event messages as the clock times around them', () => {
    const now = Date.parse('2026-03-04T10:00:00Z')
    const at = '2026-03-04T15:00:00.000Z'
    expect(localizeTimes(`reservation extended by 1h to ${at}`, now)).toBe(`reservation extended by 1h to ${formatClock(at, now)}`)
    expect(localizeTimes('reservation expired at 2026-03-01T09:30:00Z', now)).toBe(`reservation expired at ${formatClock('2026-03-01T09:30:00Z', now)}`)
    expect(localizeTimes('no time here: 2026-03-04', now)).toBe('no time here: 2026-03-04')
  })
})

describe('renderFields', () => {
  it('separates with tabs for a pipe and with spaces on a terminal', () => {
    expect(renderFields(['sess-1', 'pending on RTX 4090'], false)).toBe('sess-1\tpending on RTX 4090')
    expect(renderFields(['sess-1', 'pending on RTX 4090'], true)).toBe('sess-1  pending on RTX 4090')
    expect(renderFields(['a\tb', 'c'], false)).toBe('a b\tc')
  })
})
