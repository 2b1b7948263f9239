import {describe, expect, it} from 'vitest'

import {costBreakdownRows, costComponentDetails} from './costs.js'

describe('cost components', () => {
  it('shows a session\'s compute, storage and settlement in that order, only those it has', () => {
    expect(costComponentDetails({storage: 12_000, compute: 340_000})).toEqual([
      ['  compute', '$0.34'],
      ['  storage', '$0.01'],
    ])
    expect(costComponentDetails({})).toEqual([])
  })

  it('lists components after the other breakdowns, largest first', () => {
    const rows = costBreakdownRows({by_provider_micro_usd: {vastai: 3}, by_gpu_type_micro_usd: {}, by_component_micro_usd: {storage: 1, compute: 2}})
    expect(rows.map((r) => [r.dimension, r.key])).toEqual([['provider', 'vastai'], ['component', 'compute'], ['component', 'storage']])
  })
})
