import {describe, expect, it} from 'vitest'

import type {HealthStats} from '../src/core/offer-health.js'
import {offerFixture} from '../test/support/offer-fixture.js'
import {offerDtos, offerDtosWithHealth} from './dto.js'

const failing: HealthStats = {attempts: 2, failures: 2, consecutiveFailures: 2, lastFailureAt: 1_000, lastSuccessAt: null, confidence: 0.45, coolingDownUntil: 3_601_000}

describe("a page's offers with their health", () => {
  const page = Object.freeze([offerFixture('vastai-1'), offerFixture('vastai-2')])

  it('is the shared page when none of its offers has a history', () => {
    expect(offerDtosWithHealth(page, new Map())).toBe(offerDtos(page))
  })

  it('is one shared (frozen) page for as long as the page and its health are, so its reply is written once', () => {
    const health = new Map([['vastai-2', failing]])
    const first = offerDtosWithHealth(page, health)
    expect(Object.isFrozen(first)).toBe(true)
    expect(offerDtosWithHealth(page, health)).toBe(first)
    expect(first.map((o) => [o.id, o.availability_confidence, o.cooling_down_until])).toEqual([
      ['vastai-1', expect.any(Number), null],
      ['vastai-2', 0.45, '1970-01-01T01:00:01.000Z'],
    ])
    // The untried offer keeps the shared DTO; new health is a new page
    expect(first[0]).toBe(offerDtos(page)[0])
    expect(offerDtosWithHealth(page, new Map([['vastai-2', failing]]))).not.toBe(first)
  })

  it('is built anew for offers that are not a remembered page', () => {
    const offers = [offerFixture('vastai-1')]
    const health = new Map([['vastai-1', failing]])
    const first = offerDtosWithHealth(offers, health)
    expect(Object.isFrozen(first)).toBe(false)
    expect(offerDtosWithHealth(offers, health)).not.toBe(first)
  })
})
