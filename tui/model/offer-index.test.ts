import {describe, expect, it} from 'vitest'

import type {OfferDto} from '../../src/core/api/inventory.js'
import {OfferIndex, type OfferQuery} from './offer-index.js'

function offer(id: string, fields: Partial<OfferDto>): OfferDto {
  return {
    id,
    provider: 'vastai',
    provider_id: id,
    gpu_type: 'RTX 4090',
    gpu_count: 1,
    vram_gb: 24,
    price_per_hour: 0.4,
    price_per_hour_micro_usd: 400_000,
    price_per_gpu_hour: 0.4,
    location: 'Texas, US',
    country_code: 'US',
    reliability: 0.95,
    available: true,
    fetched_at: '2026-12-01T10:00:00Z',
    cuda_version: 12.4,
    disk_gb: 100,
    cpu_cores: 16,
    ram_gb: 64,
    inet_down_mbps: 900,
    price_includes: {disk_gb: 50, vcpus: null, ram_gb: null},
    disk_rate: null,
    ...fields,
  }
}

const MARKET = [
  offer('a', {gpu_type: 'RTX 4090', price_per_hour_micro_usd: 400_000, location: 'Texas, US'}),
  offer('b', {gpu_type: 'A100 80GB SXM', gpu_count: 8, vram_gb: 80, price_per_hour_micro_usd: 9_600_000, location: 'Berlin, DE', country_code: 'DE', provider: 'tensordock'}),
  offer('c', {gpu_type: 'RTX 4090', gpu_count: 2, price_per_hour_micro_usd: 700_000, location: 'Quebec, CA', country_code: 'CA', reliability: null}),
  offer('d', {gpu_type: 'H100 SXM', vram_gb: 80, price_per_hour_micro_usd: 2_100_000, location: 'Oregon, US', fetched_at: '2026-12-01T10:05:00Z'}),
]

const base: OfferQuery = {text: '', quick: {}, sort: {by: 'price', descending: false}}
const ids = (index: OfferIndex, query: Partial<OfferQuery>) => {
  const view = index.view({...base, ...query})
  return Array.from({length: view.length}, (_, i) => view.at(i)!.id)
}

describe('OfferIndex', () => {
  it('matches every word of the filter against GPU model, location and provider, case-insensitively', () => {
    const index = new OfferIndex(MARKET)
    expect(ids(index, {text: '4090'})).toEqual(['a', 'c'])
    expect(ids(index, {text: '4090 us'})).toEqual(['a'])
    expect(ids(index, {text: 'TENSOR'})).toEqual(['b'])
    expect(ids(index, {text: 'berlin a100'})).toEqual(['b'])
    expect(ids(index, {text: '  '})).toEqual(['a', 'c', 'd', 'b'])
    expect(ids(index, {text: 'nothing-like-this'})).toEqual([])
  })

  it('finds a GPU model in any marketplace spelling, as `inventory --gpu-type` does', () => {
    const index = new OfferIndex([...MARKET, offer('e', {gpu_type: 'H100 80GB PCIe', vram_gb: 80, price_per_hour_micro_usd: 1_900_000})])
    expect(ids(index, {text: 'rtx4090'})).toEqual(['a', 'c'])
    expect(ids(index, {text: 'NVIDIA GeForce RTX 4090 PCIe 24GB'})).toEqual(['a', 'c'])
    expect(ids(index, {text: 'h100-sxm5-80gb'})).toEqual(['d'])
    expect(ids(index, {text: 'H100'})).toEqual(['e', 'd'])
    expect(ids(index, {text: 'a100-sxm4'})).toEqual(['b'])
    // Typed one character at a time, the model match is not lost to the narrowing shortcut.
    const typed = new OfferIndex(MARKET)
    for (const text of ['r', 'rt', 'rtx', 'rtx4', 'rtx40', 'rtx409']) ids(typed, {text})
    expect(ids(typed, {text: 'rtx4090'})).toEqual(['a', 'c'])
  })

  it('gives the same rows whether a filter is typed one character at a time or pasted', () => {
    const typed = new OfferIndex(MARKET)
    for (const text of ['r', 'rt', 'rtx', 'rtx ', 'rtx c', 'rtx ca']) ids(typed, {text})
    expect(ids(typed, {text: 'rtx ca'})).toEqual(ids(new OfferIndex(MARKET), {text: 'rtx ca'}))
    // Deleting a character widens the result again.
    expect(ids(typed, {text: 'rtx'})).toEqual(['a', 'c'])
  })

  it('applies the quick filters for VRAM, price and GPU count together with the text', () => {
    const index = new OfferIndex(MARKET)
    expect(ids(index, {quick: {minVramGb: 80}})).toEqual(['d', 'b'])
    expect(ids(index, {quick: {maxPriceMicroUsd: 700_000}})).toEqual(['a', 'c'])
    expect(ids(index, {quick: {minGpuCount: 2}})).toEqual(['c', 'b'])
    expect(ids(index, {text: 'us', quick: {minVramGb: 80}})).toEqual(['d'])
  })

  it('sorts by any column, both ways, with unknown reliability last and ties broken by price', () => {
    const index = new OfferIndex(MARKET)
    expect(ids(index, {sort: {by: 'price', descending: true}})).toEqual(['b', 'd', 'c', 'a'])
    expect(ids(index, {sort: {by: 'count', descending: true}})).toEqual(['b', 'c', 'a', 'd'])
    expect(ids(index, {sort: {by: 'vram', descending: true}})).toEqual(['d', 'b', 'a', 'c'])
    expect(ids(index, {sort: {by: 'gpu', descending: false}})).toEqual(['b', 'd', 'a', 'c'])
    expect(ids(index, {sort: {by: 'location', descending: false}})).toEqual(['b', 'd', 'c', 'a'])
    expect(ids(index, {sort: {by: 'age', descending: true}})[0]).toBe('d')
    expect(ids(index, {sort: {by: 'reliability', descending: true}}).at(-1)).toBe('c')
    expect(ids(index, {sort: {by: 'reliability', descending: false}}).at(-1)).toBe('c')
    expect(ids(index, {sort: {by: 'price_per_gpu', descending: false}})).toEqual(['c', 'a', 'b', 'd'])
  })

  it('finds a row by offer id in the current view', () => {
    const view = new OfferIndex(MARKET).view({...base, text: '4090'})
    expect(view.indexOf('c')).toBe(1)
    expect(view.indexOf('b')).toBe(-1)
    expect(view.at(5)).toBeUndefined()
  })
})
