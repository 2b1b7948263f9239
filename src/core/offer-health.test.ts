import {describe, expect, it} from 'vitest'

import {COOL_DOWN_MS, HEALTH_HALF_LIFE_MS, UNTRIED_CONFIDENCE, healthOf, outcomesOfOffer, rankByHealth, type ProvisionOutcomeKind} from './offer-health.js'

const NOW = Date.parse('2026-12-04T12:00:00Z')
const H = 3_600_000
const at = (kind: ProvisionOutcomeKind, hoursAgo: number) => ({kind, at: NOW - hoursAgo * H})

describe('healthOf', () => {
  it('starts an untried offer at the prior, and moves a lot on a first failure and a little on a first success', () => {
    expect(healthOf([], NOW)).toMatchObject({attempts: 0, confidence: UNTRIED_CONFIDENCE, coolingDownUntil: null})
    expect(healthOf([at('ssh_timeout', 0)], NOW).confidence).toBe(0.6)
    expect(healthOf([at('running', 0)], NOW).confidence).toBe(0.933)
  })

  it('weighs each outcome half as much every day, so an old failure fades', () => {
    const recent = healthOf([at('boot_failed', 0)], NOW).confidence
    const dayOld = healthOf([at('boot_failed', 24)], NOW).confidence
    expect(dayOld).toBeCloseTo(1.8 / 2.5, 3)
    expect(recent).toBeLessThan(dayOld)
    expect(healthOf([at('boot_failed', 24 * 6)], NOW).confidence).toBeGreaterThan(0.89)
  })

  it('cools a host down for an hour after two failures in a row, and a success in between resets the count', () => {
    const twice = healthOf([at('ssh_timeout', 0.5), at('boot_failed', 0.25)], NOW)
    expect(twice).toMatchObject({failures: 2, consecutiveFailures: 2, coolingDownUntil: NOW - 0.25 * H + COOL_DOWN_MS})
    expect(healthOf([at('ssh_timeout', 0.5), at('boot_failed', 0.25)], NOW - 0.25 * H + COOL_DOWN_MS).coolingDownUntil).toBeNull()
    expect(healthOf([at('ssh_timeout', 0.5), at('running', 0.4), at('boot_failed', 0.25)], NOW)).toMatchObject({consecutiveFailures: 1, coolingDownUntil: null})
  })

  it('counts a stale offer as a failure of the offer', () => {
    expect(healthOf([at('stale', 0)], NOW)).toMatchObject({failures: 1, lastFailureAt: NOW})
    expect(HEALTH_HALF_LIFE_MS).toBe(24 * H)
  })
})

describe('outcomesOfOffer', () => {
  it("takes an offer's own outcomes and its machine's, under any offer id", () => {
    const outcomes = [
      {sessionId: 's1', offerId: 'vastai-1', hostId: 'vastai:7'},
      {sessionId: 's2', offerId: 'vastai-2', hostId: 'vastai:7'},
      {sessionId: 's3', offerId: 'vastai-3', hostId: 'vastai:8'},
      {sessionId: 's4', offerId: 'tensordock-x', hostId: null},
    ]
    expect(outcomesOfOffer({id: 'vastai-9', hostId: 'vastai:7'}, outcomes).map((o) => o.sessionId)).toEqual(['s1', 's2'])
    expect(outcomesOfOffer({id: 'tensordock-x', hostId: null}, outcomes).map((o) => o.sessionId)).toEqual(['s4'])
  })
})

describe('rankByHealth', () => {
  const offer = (id: string, pricePerHour: number) => ({id, pricePerHour})

  it('orders by expected price per working box and leaves out hosts cooling down', () => {
    const offers = [offer('cheap-flaky', 300_000), offer('dearer-sound', 320_000), offer('untried', 330_000), offer('cooling', 100_000)]
    const health = new Map([
      ['cheap-flaky', healthOf([at('ssh_timeout', 1)], NOW)],
      ['dearer-sound', healthOf([at('running', 1), at('running', 2)], NOW)],
      ['cooling', healthOf([at('ssh_timeout', 0.2), at('ssh_timeout', 0.1)], NOW)],
    ])
    expect(rankByHealth(offers, (o) => health.get(o.id) ?? null).map((o) => o.id)).toEqual(['dearer-sound', 'untried', 'cheap-flaky'])
  })

  it('keeps the incoming (cheapest first) order among offers nobody has tried', () => {
    const offers = [offer('a', 1), offer('b', 1), offer('c', 2)]
    expect(rankByHealth(offers, () => null).map((o) => o.id)).toEqual(['a', 'b', 'c'])
  })
})
