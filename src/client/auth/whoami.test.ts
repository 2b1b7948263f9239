import {describe, expect, it} from 'vitest'

import {instantOf} from './whoami.js'

describe('whoami\'s expires_at', () => {
  it('is read as epoch ms whether the server sends a number or an ISO 8601 date-time', () => {
    expect(instantOf(1_796_300_067_000)).toBe(1_796_300_067_000)
    expect(instantOf('2026-12-03T12:14:27.000Z')).toBe(Date.UTC(2026, 11, 3, 12, 14, 27))
    expect(instantOf(null)).toBeNull()
    expect(instantOf('soon')).toBeNull()
  })
})
