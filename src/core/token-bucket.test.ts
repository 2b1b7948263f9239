import {describe, expect, it} from 'vitest'

import {ManualClock} from './clock.js'
import {TokenBucket} from './token-bucket.js'

describe('TokenBucket (core)', () => {
  it('starts full, refuses when empty, and says when the next token comes', () => {
    // Given 2 tokens a second with a burst of 3
    const clock = new ManualClock(0)
    const bucket = new TokenBucket({perSecond: 2, burst: 3}, clock)
    // When four are taken at once
    const taken = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]
    // Then three pass, none is left, and the next is half a second away
    expect(taken).toEqual([true, true, true, false])
    expect(bucket.available()).toBe(0)
    expect(bucket.msUntilToken()).toBe(500)
    clock.advance(499)
    expect(bucket.tryTake()).toBe(false)
    clock.advance(1)
    expect(bucket.tryTake()).toBe(true)
  })

  it('refills while idle, never above the burst, in msToFill', () => {
    const clock = new ManualClock(0)
    const bucket = new TokenBucket({perSecond: 4, burst: 2}, clock)
    bucket.tryTake()
    bucket.tryTake()
    expect(bucket.msToFill).toBe(500)
    clock.advance(60_000)
    expect(bucket.available()).toBe(2)
    expect(bucket.msUntilToken()).toBe(0)
  })

  it('reserves slots ahead in arrival order and takes one back', () => {
    const clock = new ManualClock(0)
    const bucket = new TokenBucket({perSecond: 1, burst: 1}, clock)
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 1000, 2000])
    bucket.giveBack()
    expect(bucket.reserve()).toBe(2000)
  })

  it('refuses a rate that could never admit a call', () => {
    const clock = new ManualClock(0)
    for (const rate of [{perSecond: 0, burst: 1}, {perSecond: 1, burst: 0}, {perSecond: Number.NaN, burst: 1}, {perSecond: Infinity, burst: 1}]) {
      expect(() => new TokenBucket(rate, clock)).toThrow(RangeError)
    }
  })
})
