import {describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'

import {TokenBucket} from './token-bucket.js'

function fakeTime() {
  const clock = new ManualClock(1_000_000)
  const waits: number[] = []
  const sleep = async (ms: number) => {
    waits.push(ms)
    clock.advance(ms)
  }
  return {clock, waits, sleep}
}

describe('TokenBucket', () => {
  it('lets a burst through, then paces at the rate', async () => {
    // Given 1 request/s with a burst of 2
    const {clock, waits, sleep} = fakeTime()
    const bucket = new TokenBucket({perSecond: 1, burst: 2}, clock, sleep)
    // When five calls come at once
    for (let i = 0; i < 5; i++) await bucket.take()
    // Then the first two pass and the rest wait one second each
    expect(waits).toEqual([1000, 1000, 1000])
  })

  it('refills while idle, never above the burst', async () => {
    const {clock, waits, sleep} = fakeTime()
    const bucket = new TokenBucket({perSecond: 2, burst: 2}, clock, sleep)
    await bucket.take()
    await bucket.take()
    clock.advance(60_000)
    await bucket.take()
    await bucket.take()
    await bucket.take()
    expect(waits).toEqual([500])
  })

  it('queues concurrent callers in arrival order without a stampede', async () => {
    const clock = new ManualClock(0)
    const waits: number[] = []
    const bucket = new TokenBucket({perSecond: 1, burst: 1}, clock, async (ms) => {
      waits.push(ms)
    })
    await Promise.all([bucket.take(), bucket.take(), bucket.take()])
    expect(waits).toEqual([1000, 2000])
  })

  it('gives the slot back when a waiting caller is aborted', async () => {
    const clock = new ManualClock(0)
    const waits: number[] = []
    let rejectNext = true
    const bucket = new TokenBucket({perSecond: 1, burst: 1}, clock, async (ms) => {
      waits.push(ms)
      if (rejectNext) {
        rejectNext = false
        throw new Error('aborted')
      }
    })
    await bucket.take()
    await expect(bucket.take()).rejects.toThrow('aborted')
    await bucket.take()
    expect(waits).toEqual([1000, 1000])
  })

  it('refuses a rate that could never admit a call', () => {
    const {clock, sleep} = fakeTime()
    expect(() => new TokenBucket({perSecond: 0, burst: 1}, clock, sleep)).toThrow(RangeError)
    expect(() => new TokenBucket({perSecond: 1, burst: 0}, clock, sleep)).toThrow(RangeError)
  })
})
