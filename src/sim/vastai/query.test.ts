import {describe, expect, it} from 'vitest'

import {countryCodeOf} from './locations.js'
import {compareValues, matchesFilter, parseOfferQuery} from './query.js'

describe('the offer query language', () => {
  it('reads country codes out of free-text geolocations', () => {
    expect(countryCodeOf('Texas, US')).toBe('US')
    expect(countryCodeOf(', CN')).toBe('CN')
    expect(countryCodeOf('California, United States')).toBe('US')
    expect(countryCodeOf('US')).toBe('US')
    expect(countryCodeOf('Quebec, Canada')).toBe('CA')
    expect(countryCodeOf('')).toBeNull()
  })

  it('compares numbers numerically when the value arrives as a string, and versions by their parts', () => {
    expect(matchesFilter(24564, {field: 'gpu_ram', op: 'gte', value: 24000.0})).toBe(true)
    expect(matchesFilter(0.99, {field: 'reliability', op: 'gt', value: '0.98'})).toBe(true)
    expect(matchesFilter(10, {field: 'num_gpus', op: 'lt', value: '9'})).toBe(false)
    expect(compareValues('driver_version', '570.124.04', '535.86.05')).toBe(1)
    expect(compareValues('driver_version', '535.183.01', '535.86.05')).toBe(1)
    expect(matchesFilter(null, {field: 'rented', op: 'eq', value: false})).toBe(true)
    expect(matchesFilter(null, {field: 'cpu_cores', op: 'gte', value: 8})).toBe(false)
    expect(matchesFilter(true, {field: 'verified', op: 'eq', value: 'true'})).toBe(true)
  })

  it('adds the server defaults only for fields the query leaves out', () => {
    const q = parseOfferQuery({rented: {eq: true}, type: 'ondemand', limit: '5'})
    expect(q.filters).toEqual([
      {field: 'rented', op: 'eq', value: true},
      {field: 'verified', op: 'eq', value: true},
      {field: 'rentable', op: 'eq', value: true},
    ])
    expect(q).toMatchObject({type: 'on-demand', limit: 5, allocatedStorage: 8, order: [['score', 'desc']]})
  })
})
