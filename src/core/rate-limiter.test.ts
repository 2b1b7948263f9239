import {describe, expect, it} from 'vitest'

import {ManualClock} from './clock.js'
import {KeyedRateLimiter} from './rate-limiter.js'

describe('KeyedRateLimiter', () => {
  it('keeps one bucket per key: one key emptied does not limit another', () => {
    // Given 1 request a second, bursts of 2
    const clock = new ManualClock(0)
    const limiter = new KeyedRateLimiter({rate: {perSecond: 1, burst: 2}, clock})
    // When alice sends three at once and bob one
    const alice = [limiter.take('acme/alice'), limiter.take('acme/alice'), limiter.take('acme/alice')]
    const bob = limiter.take('acme/bob')
    // Then alice's third is refused for a second, with none remaining, and bob passes
    expect(alice.map((v) => v.allowed)).toEqual([true, true, false])
    expect(alice[2]).toEqual({allowed: false, remaining: 0, retryAfterMs: 1000})
    expect(bob).toEqual({allowed: true, remaining: 1, retryAfterMs: 0})
  })

  it('forgets keys idle long enough to be full again, so distinct keys do not pile up', () => {
    // Given a bucket that refills from empty in 2 s
    const clock = new ManualClock(0)
    const limiter = new KeyedRateLimiter({rate: {perSecond: 1, burst: 2}, clock})
    for (let i = 0; i < 1000; i++) limiter.take(`t/user-${i}`)
    expect(limiter.size).toBe(1000)
    // When one user keeps going and 2 s pass
    clock.advance(1000)
    limiter.take('t/user-7')
    clock.advance(1000)
    limiter.take('t/late')
    // Then only the user seen within the refill time and the newcomer are left
    expect(limiter.size).toBe(2)
  })

  it('a forgotten key starts full, exactly as if it had been kept', () => {
    const clock = new ManualClock(0)
    const limiter = new KeyedRateLimiter({rate: {perSecond: 1, burst: 2}, clock})
    limiter.take('t/a')
    limiter.take('t/a')
    clock.advance(2000)
    limiter.take('t/other')
    expect(limiter.size).toBe(1)
    expect([limiter.take('t/a'), limiter.take('t/a'), limiter.take('t/a')].map((v) => v.allowed)).toEqual([true, true, false])
  })

  it('never tracks more than maxKeys, dropping the least recently seen', () => {
    const clock = new ManualClock(0)
    const limiter = new KeyedRateLimiter({rate: {perSecond: 1, burst: 1}, clock, maxKeys: 3})
    limiter.take('t/a')
    limiter.take('t/b')
    limiter.take('t/c')
    // a is seen again, so b is now the oldest
    expect(limiter.take('t/a').allowed).toBe(false)
    limiter.take('t/d')
    expect(limiter.size).toBe(3)
    // c is still tracked (refused), b was dropped (starts full)
    expect(limiter.take('t/c').allowed).toBe(false)
    expect(limiter.take('t/b').allowed).toBe(true)
  })
})
