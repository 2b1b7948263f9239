import {describe, expect, it} from 'vitest'

import {bar, gauge, monthDays} from './bars.js'

describe('bars', () => {
  it('scale to the largest value in eighths of a cell', () => {
    expect(bar(10, 10, 4)).toBe('████')
    expect(bar(5, 10, 4)).toBe('██')
    expect(bar(1, 16, 4)).toBe('▎')
    expect(bar(1, 8, 4)).toBe('▌')
    expect(bar(0, 10, 4)).toBe('')
  })

  it('gauge spent and committed against a limit, clamped to the width', () => {
    expect(gauge(50, 25, 100, 8)).toBe('████▒▒░░')
    expect(gauge(300, 0, 100, 4)).toBe('████')
    expect(gauge(0, 0, 0, 3)).toBe('███')
  })

  it('list the UTC days of the month so far', () => {
    expect(monthDays(Date.parse('2026-12-03T23:00:00Z'))).toEqual(['2026-12-01', '2026-12-02', '2026-12-03'])
  })
})
