import {describe, expect, it} from 'vitest'

import {sinceParam} from './since.js'

const NOW = Date.parse('2026-01-15T12:00:00Z')

describe('sinceParam', () => {
  it('turns a look-back into a UTC time', () => {
    expect(sinceParam('24h', NOW)).toBe('2026-01-14T12:00:00.000Z')
    expect(sinceParam('7d', NOW)).toBe('2026-01-08T12:00:00.000Z')
    expect(sinceParam('30m', NOW)).toBe('2026-01-15T11:30:00.000Z')
  })

  it('passes dates and times with an offset through, and gives a local time its offset', () => {
    expect(sinceParam('2026-01-01', NOW)).toBe('2026-01-01')
    expect(sinceParam('2026-01-01T10:00:00+02:00', NOW)).toBe('2026-01-01T10:00:00+02:00')
    expect(sinceParam('2026-01-01T10:00:00', NOW)).toBe(new Date('2026-01-01T10:00:00').toISOString())
    expect(sinceParam(undefined, NOW)).toBeUndefined()
  })

  it('refuses anything else, naming the flag and the accepted forms', () => {
    expect(() => sinceParam('yesterday', NOW)).toThrow(/--since must be a look-back like 24h or 7d/)
    expect(() => sinceParam('2026-13-45', NOW)).toThrow(/--since/)
  })
})
