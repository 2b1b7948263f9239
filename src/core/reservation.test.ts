import {describe, expect, it} from 'vitest'

import {AppError} from './errors.js'
import {extendedExpiry} from './reservation.js'

const H = 3_600_000

describe('extendedExpiry', () => {
  it('adds hours within the 12-hour hard maximum', () => {
    expect(extendedExpiry(2 * H, 0, 2, false)).toBe(4 * H)
    expect(extendedExpiry(10 * H, 0, 2, false)).toBe(12 * H)
  })
  it('refuses to pass the hard maximum and says how much is left', () => {
    try {
      extendedExpiry(10 * H, 0, 3, false)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).errorType).toBe('conflict')
      expect((err as AppError).details.max_additional_hours).toBe(2)
    }
  })
  it('allows it with the override', () => {
    expect(extendedExpiry(10 * H, 0, 5, true)).toBe(15 * H)
  })
})
