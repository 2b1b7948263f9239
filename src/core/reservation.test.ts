import {describe, expect, it} from 'vitest'

import {refusalOf} from '../../test/support/refusal.js'

import {AppError} from './errors.js'
import {extendedExpiry, hoursLeftToExtend} from './reservation.js'

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

describe('an extension past the maximum', () => {

  it('names the hard maximum and the hours that can still be added, whatever was asked', () => {
    const err = refusalOf(() => extendedExpiry(2 * H, 0, 13, false))
    expect(err.errorType).toBe('conflict')
    expect(err.message).toBe('extending by 13h would pass the 12-hour hard maximum; at most 10h can still be added')
    expect(err.details.max_additional_hours).toBe(10)
  })

  it('says nothing can be added once the 12 hours are reserved', () => {
    const err = refusalOf(() => extendedExpiry(12 * H, 0, 1, false))
    expect(err.message).toBe('this session already has the 12-hour hard maximum reserved; no hours can be added')
    expect(err.details.max_additional_hours).toBe(0)
  })

  it('takes at most 12 hours per extension with the override', () => {
    const err = refusalOf(() => extendedExpiry(10 * H, 0, 13, true))
    expect(err.errorType).toBe('validation_error')
    expect(err.message).toMatch(/at most 12 per extension/)
  })
})

describe('hoursLeftToExtend', () => {
  it('is what is left of the 12 hours from the start, in whole hours, 12 at a time with the override', () => {
    expect(hoursLeftToExtend(2 * H, 0, false)).toBe(10)
    expect(hoursLeftToExtend(2 * H + 30 * 60_000, 0, false)).toBe(9)
    expect(hoursLeftToExtend(12 * H, 0, false)).toBe(0)
    expect(hoursLeftToExtend(20 * H, 0, true)).toBe(12)
  })
})
