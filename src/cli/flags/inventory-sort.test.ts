import {describe, expect, it} from 'vitest'

import {OFFER_SORT_KEYS} from '../../core/inventory-query.js'
import {SORT_FLAG_VALUES, sortKeyOf} from './inventory-sort.js'

describe('inventory --sort', () => {
  it('maps the hyphenated values to the API keys', () => {
    expect(sortKeyOf('price-per-gpu')).toBe('price_per_gpu')
    expect(sortKeyOf('fetched-at')).toBe('fetched_at')
    expect(sortKeyOf('Reliability')).toBe('reliability')
  })

  it('also takes the API spelling, and nothing else', () => {
    expect(sortKeyOf('price_per_gpu')).toBe('price_per_gpu')
    expect(sortKeyOf('cheapest')).toBeUndefined()
  })

  it('covers every sort key the API has', () => {
    expect(new Set(Object.values(SORT_FLAG_VALUES))).toEqual(new Set(OFFER_SORT_KEYS))
  })
})
