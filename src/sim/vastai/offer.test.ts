import {describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {Market} from './market.js'
import {priceOffer, priceOfferInPlace} from './offer.js'

describe('priceOffer', () => {
  it('prices a copy and leaves the stored offer as it was', () => {
    // Given a stored offer, priced for the default 8 GB on-demand
    const clock = new ManualClock(Date.parse('2026-11-22T23:00:00Z'))
    const stored = new Market(7, 1, clock).all()[0]!
    const before = structuredClone(stored)

    // When it is priced for 100 GB as an interruptible bid an hour later
    const priced = priceOffer(stored, 100, 'bid', clock.now() + 3_600_000)

    // Then the copy carries the new prices, and the stored offer is untouched
    expect(priced).not.toBe(stored)
    expect(priced.dph_total).toBeCloseTo(stored.min_bid + (100 * stored.storage_cost) / 720, 10)
    expect(priced.is_bid).toBe(true)
    expect(priced.duration).toBeCloseTo(before.duration - 3600, 3)
    expect(stored).toEqual(before)
    expect(priceOfferInPlace(structuredClone(stored), 100, 'bid', clock.now() + 3_600_000)).toEqual(priced)
  })
})
