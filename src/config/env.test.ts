import {describe, expect, it} from 'vitest'

import {ENV, readIntEnv, SIM_OFFERS_RANGE, VASTAI_SEARCH_LIMIT_RANGE} from './env.js'

describe('readIntEnv', () => {
  it('reads a whole number within the range, and nothing when unset or empty', () => {
    expect(readIntEnv(ENV.simOffers, SIM_OFFERS_RANGE, {GPU_SHOPPER_SIM_OFFERS: '100000'})).toBe(100_000)
    expect(readIntEnv(ENV.simOffers, SIM_OFFERS_RANGE, {GPU_SHOPPER_SIM_OFFERS: ' 1 '})).toBe(1)
    expect(readIntEnv(ENV.vastaiSearchLimit, VASTAI_SEARCH_LIMIT_RANGE, {GPU_SHOPPER_VASTAI_SEARCH_LIMIT: '200000'})).toBe(200_000)
    expect(readIntEnv(ENV.simOffers, SIM_OFFERS_RANGE, {})).toBeUndefined()
    expect(readIntEnv(ENV.simOffers, SIM_OFFERS_RANGE, {GPU_SHOPPER_SIM_OFFERS: ''})).toBeUndefined()
  })

  it.each(['0', '200001', '-5', '1.5', '1e5', '100k', 'lots'])('refuses %j, naming the variable, the range and the value', (raw) => {
    expect(() => readIntEnv(ENV.vastaiSearchLimit, VASTAI_SEARCH_LIMIT_RANGE, {GPU_SHOPPER_VASTAI_SEARCH_LIMIT: raw})).toThrow(
      `GPU_SHOPPER_VASTAI_SEARCH_LIMIT must be a whole number from 1 to 200000, got "${raw}"`,
    )
  })

  it('declares every variable once', () => {
    const names = Object.values(ENV)
    expect(new Set(names).size).toBe(names.length)
  })
})
