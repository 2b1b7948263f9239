import {describe, expect, it} from 'vitest'

import {applyQuickFilter, describeQuickFilters} from './quick-filters.js'

describe('quick filters', () => {
  it('take typed values, in micro-USD for prices, and clear with an empty value', () => {
    expect(applyQuickFilter({}, 'vram', '40')).toEqual({quick: {minVramGb: 40}})
    expect(applyQuickFilter({}, 'price', '1.25')).toEqual({quick: {maxPriceMicroUsd: 1_250_000}})
    expect(applyQuickFilter({minGpuCount: 2}, 'gpus', '')).toEqual({quick: {}})
    expect(applyQuickFilter({minVramGb: 24}, 'gpus', '4')).toEqual({quick: {minVramGb: 24, minGpuCount: 4}})
  })

  it('refuse values that are not sensible, saying why', () => {
    expect(applyQuickFilter({}, 'gpus', '0')).toEqual({error: 'the GPU count is a whole number from 1 to 64'})
    expect(applyQuickFilter({}, 'price', '1.2.3')).toEqual({error: '"1.2.3" is not a number'})
    expect(applyQuickFilter({}, 'vram', '99999')).toEqual({error: 'VRAM is at most 10000 GB'})
  })

  it('describe what is set for the title line', () => {
    expect(describeQuickFilters({})).toBe('')
    expect(describeQuickFilters({minVramGb: 40, maxPriceMicroUsd: 2_000_000, minGpuCount: 2})).toBe('VRAM ≥ 40 GB · ≤ $2.00/h · ≥ 2 GPUs')
  })
})
