import {describe, expect, it} from 'vitest'

import {allocationSpec} from './allocation-spec.js'

describe('allocationSpec', () => {
  it('turns the quick start flags into the API body', () => {
    // Given the quick start's create flags
    const spec = allocationSpec({sku: 'h200-sxm-slice', gpus: 1, region: 'us-buffalo-1', 'ssh-key-id': ['ssh-key-7f2e'], 'max-price': 3})

    // Then they become the body's snake_case fields, nothing invented
    expect(spec).toEqual({sku: 'h200-sxm-slice', gpus_total: 1, region_code: 'us-buffalo-1', ssh_key_ids: ['ssh-key-7f2e'], max_price: 3})
  })

  it('accepts a GPU model instead of a SKU and leaves out what was not given', () => {
    expect(allocationSpec({'gpu-type': 'RTX 4090'})).toEqual({gpu_type: 'RTX 4090', gpus_total: 1})
  })

  it('needs exactly one of --sku and --gpu-type', () => {
    expect(() => allocationSpec({})).toThrow(/--sku is required/)
    expect(() => allocationSpec({sku: 'rtx-4090', 'gpu-type': 'RTX 4090'})).toThrow(/--sku and --gpu-type name the same thing/)
  })

  it('refuses counts, prices and key ids out of range', () => {
    expect(() => allocationSpec({sku: 'rtx-4090', gpus: 65})).toThrow(/--gpus must be between 1 and 64/)
    expect(() => allocationSpec({sku: 'rtx-4090', 'max-price': -0.1})).toThrow(/--max-price/)
    expect(() => allocationSpec({sku: 'rtx-4090', 'ssh-key-id': [' ']})).toThrow(/--ssh-key-id must not be empty/)
    expect(() => allocationSpec({sku: 'rtx-4090', 'ssh-key-id': Array.from({length: 21}, (_, i) => `k${i}`)})).toThrow(/at most 20/)
  })
})
