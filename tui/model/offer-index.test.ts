import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {offerDtoFixture} from '../../test/support/offer-fixture.js'
import {pricePerGpuMicroUsd} from '../../src/cli/output/columns/offers.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import {gpuTypeMatcher} from '../../src/core/gpu-names.js'
import {OFFER_SORTS, OfferIndex, sortRowsByNumber, type OfferQuery, type OfferSort} from './offer-index.js'
import {OfferTableBuilder} from './offer-table.js'

const offer = offerDtoFixture

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

/**
 * The plain definition of a query, one offer at a time: every word is a substring of the GPU
 * model, location, provider or country, or the whole text names the offer's GPU; sorted by the
 * column (unknown reliability last), ties by price and then id.
 */
function naiveIds(offers: readonly OfferDto[], query: OfferQuery): string[] {
  const text = query.text.trim().toLowerCase()
  const terms = text.split(/\s+/).filter(Boolean)
  const names = gpuTypeMatcher(text)
  const {minVramGb, maxPriceMicroUsd, minGpuCount} = query.quick
  const matching = offers.filter((o) => {
    const haystack = `${o.gpu_type}\u0000${o.location}\u0000${o.provider}\u0000${o.country_code ?? ''}`.toLowerCase()
    if (terms.length > 0 && !names(o.gpu_type, o.vram_gb) && !terms.every((t) => haystack.includes(t))) return false
    return (
      (minVramGb === undefined || o.vram_gb >= minVramGb) &&
      (maxPriceMicroUsd === undefined || o.price_per_hour_micro_usd <= maxPriceMicroUsd) &&
      (minGpuCount === undefined || o.gpu_count >= minGpuCount)
    )
  })
  const key: Record<OfferSort, (o: OfferDto) => number | string | null> = {
    gpu: (o) => o.gpu_type,
    count: (o) => o.gpu_count,
    vram: (o) => o.vram_gb,
    price: (o) => o.price_per_hour_micro_usd,
    price_per_gpu: (o) => pricePerGpuMicroUsd(o),
    provider: (o) => o.provider,
    location: (o) => o.location,
    reliability: (o) => o.reliability,
    age: (o) => Date.parse(o.fetched_at),
  }
  const pick = key[query.sort.by]
  const order = (x: number | string, y: number | string) => (x < y ? -1 : x > y ? 1 : 0)
  return matching
    .sort((a, b) => {
      const x = pick(a)
      const y = pick(b)
      if ((x === null) !== (y === null)) return x === null ? 1 : -1
      const c = x === null || y === null ? 0 : order(x, y)
      return (query.sort.descending ? -c : c) || a.price_per_hour_micro_usd - b.price_per_hour_micro_usd || order(a.id, b.id)
    })
    .map((o) => o.id)
}

const WORDS = ['rtx', '4090', 'rtx 4090', 'a100', 'sxm', 'h100', 'us', 'de', 'tx', 'texas', 'berlin', 'vast', 'tensor', 'ca', '80gb', 'pcie', 'x', ' ', 'rtx4090', 'h100-sxm', 'a100-sxm4']

const GPUS = [
  {gpuType: 'RTX 4090', vram: 24},
  {gpuType: 'RTX 3090', vram: 24},
  {gpuType: 'A100 SXM4', vram: 80},
  {gpuType: 'A100 80GB PCIe', vram: 80},
  {gpuType: 'H100 SXM', vram: 80},
  {gpuType: 'H100 80GB PCIe', vram: 80},
  {gpuType: 'L40S', vram: 48},
]
const PLACES = [
  {location: 'Texas, US', country: 'US'},
  {location: 'Berlin, DE', country: 'DE'},
  {location: 'Quebec, CA', country: 'CA'},
  {location: '', country: null},
  {location: 'Tokyo, JP', country: 'JP'},
]

const marketOffer = (i: number) =>
  fc
    .record({
      gpu: fc.constantFrom(...GPUS),
      count: fc.constantFrom(1, 2, 4, 8),
      // A narrow range of prices, so ties (broken by id) are common.
      price: fc.integer({min: 1, max: 40}).map((p) => p * 50_000),
      place: fc.constantFrom(...PLACES),
      provider: fc.constantFrom('vastai', 'tensordock'),
      reliability: fc.option(fc.constantFrom(0.5, 0.9, 0.95, 0.99), {nil: null}),
      fetchedAt: fc.constantFrom('2026-12-01T10:00:00Z', '2026-12-01T10:05:00Z'),
    })
    .map(({gpu, count, price, place, provider, reliability, fetchedAt}) =>
      offer(`o${String(i).padStart(3, '0')}`, {
        gpu_type: gpu.gpuType,
        vram_gb: gpu.vram,
        gpu_count: count,
        price_per_hour_micro_usd: price,
        location: place.location,
        country_code: place.country,
        provider,
        reliability,
        fetched_at: fetchedAt,
      }),
    )

const market = fc.integer({min: 0, max: 60}).chain((n) => fc.tuple(...Array.from({length: n}, (_, i) => marketOffer(i))))

const anyQuery: fc.Arbitrary<OfferQuery> = fc.record({
  text: fc.array(fc.oneof(fc.constantFrom(...WORDS), fc.string({maxLength: 3})), {maxLength: 3}).map((words) => words.join(' ')),
  quick: fc.record(
    {minVramGb: fc.constantFrom(24, 40, 80), maxPriceMicroUsd: fc.integer({min: 0, max: 2_000_000}), minGpuCount: fc.constantFrom(1, 2, 4)},
    {requiredKeys: []},
  ),
  sort: fc.record({by: fc.constantFrom(...OFFER_SORTS), descending: fc.boolean()}),
})

/** Both indexes over a market: numbers in dictionaries (few distinct values), and every number column raw (a real market's prices). */
function indexesOf(offers: readonly OfferDto[]): OfferIndex[] {
  const raw = new OfferTableBuilder(offers.length, 0)
  raw.add(offers)
  return [new OfferIndex(offers), new OfferIndex(raw.build())]
}

const viewIds = (index: OfferIndex, query: OfferQuery) => {
  const view = index.view(query)
  return Array.from({length: view.length}, (_, i) => view.at(i)!.id)
}

describe('OfferIndex against the plain definition', () => {
  it('gives the same offers in the same order for random queries over a random market, one after another', () => {
    fc.assert(
      fc.property(market, fc.array(anyQuery, {minLength: 1, maxLength: 8}), (offers, queries) => {
        // One index answers the whole sequence, so its cached orders and narrowed results are exercised too.
        for (const index of indexesOf(offers)) for (const query of queries) expect(viewIds(index, query)).toEqual(naiveIds(offers, query))
      }),
      {numRuns: 300},
    )
  })

  it('gives the same answer at every keystroke while a filter is typed and erased', () => {
    fc.assert(
      fc.property(market, anyQuery, (offers, query) => {
        const typed = [...query.text]
        const steps = [...typed.map((_, i) => typed.slice(0, i + 1).join('')), ...typed.map((_, i) => typed.slice(0, typed.length - i - 1).join(''))]
        for (const index of indexesOf(offers)) for (const text of steps) expect(viewIds(index, {...query, text})).toEqual(naiveIds(offers, {...query, text}))
      }),
      {numRuns: 200},
    )
  })

  it('finds each offer of the view by id at its position', () => {
    fc.assert(
      fc.property(market, anyQuery, (offers, query) => {
        const view = new OfferIndex(offers).view(query)
        const shown = naiveIds(offers, query)
        for (const o of offers) expect(view.indexOf(o.id)).toBe(shown.indexOf(o.id))
        expect(view.indexOf('no-such-offer')).toBe(-1)
      }),
    )
  })
})

describe('sortRowsByNumber', () => {
  it('orders rows as a stable comparison sort would, unknown values last either way', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.constantFrom(0, -0, 1, -1, NaN, Number.MIN_VALUE, -Number.MAX_VALUE)), {maxLength: 80}), fc.boolean(), (keys, descending) => {
        // Given rows in some prior order (reversed, so stability is visible)
        const order = Uint32Array.from(keys.keys()).reverse()
        const expected = [...order].sort((a, b) => {
          const x = keys[a]!
          const y = keys[b]!
          if (Number.isNaN(x) || Number.isNaN(y)) return Number(Number.isNaN(x)) - Number(Number.isNaN(y))
          return descending ? y - x : x - y
        })
        expect([...sortRowsByNumber(order, Float64Array.from(keys), descending)]).toEqual(expected)
      }),
    )
  })
})
