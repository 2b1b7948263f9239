import {describe, expect, it} from 'vitest'

import {REFRESH_MARGIN_MS, describeExpiry, expiresAtFrom, needsRefresh, secondsLeft} from './token-expiry.js'

describe('token expiry', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0)

  it('turns the IdP\'s expires_in into an instant, and knows nothing when it sent none', () => {
    expect(expiresAtFrom(300, now)).toBe(now + 300_000)
    expect(expiresAtFrom(undefined, now)).toBeNull()
    expect(expiresAtFrom(0, now)).toBeNull()
    expect(expiresAtFrom(Number.NaN, now)).toBeNull()
  })

  it('renews a token with less than a minute left, and not one with more', () => {
    // Given a token that expires in exactly the margin, one second more, one second less
    expect(needsRefresh(now + REFRESH_MARGIN_MS + 1000, now)).toBe(false)
    expect(needsRefresh(now + REFRESH_MARGIN_MS, now)).toBe(false)
    expect(needsRefresh(now + REFRESH_MARGIN_MS - 1000, now)).toBe(true)
    // An expired one is renewed too
    expect(needsRefresh(now - 1, now)).toBe(true)
  })

  it('never renews a token of unknown lifetime: the server judges it', () => {
    expect(needsRefresh(null, now)).toBe(false)
  })

  it('says how long is left for a person and for --json', () => {
    expect(secondsLeft(now + 90_500, now)).toBe(90)
    expect(secondsLeft(now - 30_000, now)).toBe(-30)
    expect(secondsLeft(null, now)).toBeNull()
    expect(describeExpiry(now + 45_000, now)).toBe('in 45 s')
    expect(describeExpiry(now + 4 * 60_000, now)).toBe('in 4 min')
    expect(describeExpiry(now + 125 * 60_000, now)).toBe('in 2 h 5 min')
    expect(describeExpiry(now + 120 * 60_000, now)).toBe('in 2 h')
    expect(describeExpiry(now - 3 * 60_000, now)).toBe('expired 3 min ago')
    expect(describeExpiry(null, now)).toBe('unknown (the server decides)')
  })
})
