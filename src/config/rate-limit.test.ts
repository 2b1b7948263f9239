import {describe, expect, it} from 'vitest'

import {DEFAULT_RATE_LIMIT, parseBurst, parseRequestsPerSecond, resolveRateLimit} from './rate-limit.js'

describe('resolveRateLimit', () => {
  it('gives a team server 20 requests a second with bursts of 60 when nothing is set', () => {
    expect(resolveRateLimit({}, {})).toEqual(DEFAULT_RATE_LIMIT)
    expect(DEFAULT_RATE_LIMIT).toEqual({requestsPerSecond: 20, burst: 60})
  })

  it('reads the environment, and the flags win over it', () => {
    const env = {GPU_SHOPPER_RATE_LIMIT: '5', GPU_SHOPPER_RATE_LIMIT_BURST: '7'}
    expect(resolveRateLimit({}, env)).toEqual({requestsPerSecond: 5, burst: 7})
    expect(resolveRateLimit({requestsPerSecond: '0.5', burst: 2}, env)).toEqual({requestsPerSecond: 0.5, burst: 2})
  })

  it('gives a rate without a burst three seconds of it, at least one request', () => {
    expect(resolveRateLimit({requestsPerSecond: 100}, {})).toEqual({requestsPerSecond: 100, burst: 300})
    expect(resolveRateLimit({}, {GPU_SHOPPER_RATE_LIMIT: '0.1'})).toEqual({requestsPerSecond: 0.1, burst: 1})
  })

  it('turns the limit off with 0, from a flag or the environment', () => {
    expect(resolveRateLimit({requestsPerSecond: '0'}, {GPU_SHOPPER_RATE_LIMIT: '5'})).toBeNull()
    expect(resolveRateLimit({}, {GPU_SHOPPER_RATE_LIMIT: '0'})).toBeNull()
  })

  it('names where a bad value came from and what it accepts, even a burst beside a limit that is off', () => {
    expect(() => resolveRateLimit({requestsPerSecond: 'fast'}, {})).toThrow('--rate-limit must be requests per second per user, 0 (no limit) or a number up to 100000 such as 20 or 0.5, got "fast"')
    expect(() => resolveRateLimit({}, {GPU_SHOPPER_RATE_LIMIT: '-1'})).toThrow('GPU_SHOPPER_RATE_LIMIT must be')
    expect(() => resolveRateLimit({burst: '0'}, {})).toThrow('--rate-limit-burst must be a whole number of requests from 1 to 1000000, got "0"')
    expect(() => resolveRateLimit({requestsPerSecond: 0}, {GPU_SHOPPER_RATE_LIMIT_BURST: '1.5'})).toThrow('GPU_SHOPPER_RATE_LIMIT_BURST must be')
  })

  it.each(['', ' ', '1e3', '20/s', 'NaN', 'Infinity', '100001'])('refuses the rate %j', (raw) => {
    expect(() => parseRequestsPerSecond(raw, '--rate-limit')).toThrow('--rate-limit must be')
  })

  it.each(['', '-1', '2.0', '1000001', '0x10'])('refuses the burst %j', (raw) => {
    expect(() => parseBurst(raw, '--rate-limit-burst')).toThrow('--rate-limit-burst must be')
  })
})
