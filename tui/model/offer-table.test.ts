import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import type {OfferDto} from '../../src/core/api/inventory.js'
import {offerDtoFixture} from '../../test/support/offer-fixture.js'
import {NumberColumn, OfferTable, OfferTableBuilder, StringColumn} from './offer-table.js'

const nullableNumber = fc.option(fc.double({noNaN: true, noDefaultInfinity: true}), {nil: null})

/** Any offer the API could send: every field, nulls where the contract allows them. */
const anyOffer = (id: fc.Arbitrary<string>) =>
  fc.record({
    id,
    provider: fc.constantFrom('vastai', 'tensordock', 'selfhosted'),
    provider_id: fc.string({maxLength: 12}),
    gpu_type: fc.constantFrom('RTX 4090', 'A100 SXM4', 'H100 80GB SXM', ''),
    gpu_count: fc.integer({min: 1, max: 16}),
    vram_gb: fc.constantFrom(12, 24, 40, 80, 141.5),
    price_per_hour: fc.double({noNaN: true, noDefaultInfinity: true}),
    price_per_hour_micro_usd: fc.integer({min: 0, max: 2_000_000_000}),
    price_per_gpu_hour: fc.double({noNaN: true, noDefaultInfinity: true}),
    location: fc.string({maxLength: 20}),
    country_code: fc.option(fc.constantFrom('US', 'DE', 'JP'), {nil: null}),
    reliability: nullableNumber,
    available: fc.boolean(),
    fetched_at: fc.constantFrom('2026-12-01T10:00:00Z', '2026-12-01T10:01:00.123Z'),
    cuda_version: nullableNumber,
    disk_gb: nullableNumber,
    cpu_cores: fc.option(fc.integer({min: 1, max: 256}), {nil: null}),
    ram_gb: nullableNumber,
    inet_down_mbps: nullableNumber,
    price_includes: fc.record({disk_gb: fc.integer({min: 0, max: 500}), vcpus: fc.option(fc.integer({min: 1, max: 64}), {nil: null}), ram_gb: fc.option(fc.integer({min: 1, max: 512}), {nil: null})}),
    disk_rate: fc.option(fc.record({usd_per_gb: fc.double({noNaN: true, noDefaultInfinity: true}), per: fc.constantFrom('month' as const, 'hour' as const), minimum_gb: fc.integer({min: 0, max: 100})}), {nil: null}),
    host_id: fc.option(fc.constantFrom('vastai:1', 'tensordock:x'), {nil: null}),
    availability_confidence: fc.double({min: 0, max: 1, noNaN: true}),
    cooling_down_until: fc.option(fc.constantFrom('2026-12-01T11:00:00Z'), {nil: null}),
  }) satisfies fc.Arbitrary<OfferDto>

const ids = fc.string({minLength: 1, maxLength: 6})

describe('OfferTable', () => {
  it('gives back every offer exactly as it was added, one row per id, the later copy winning', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.tuple(anyOffer(ids), fc.nat(9)), {maxLength: 30}), {maxLength: 4}), fc.constantFrom(0, 2, 4096), (sent, maxDictionary) => {
        // Given pages whose ids may repeat (a refresh moved an offer across a page edge), most
        // ids built from the provider's own as both marketplaces do, some not
        const pages = sent.map((page) => page.map(([o, dice]) => (dice > 0 ? {...o, id: `${o.provider}-${o.id}`, provider_id: o.id} : o)))
        const expected = new Map<string, OfferDto>()
        for (const page of pages) for (const offer of page) expected.set(offer.id, offer)

        // When they are folded into a table, with a smaller size announced than arrives
        const builder = new OfferTableBuilder(1, maxDictionary)
        for (const page of pages) builder.add(page)
        const table = builder.build()

        // Then each row is the last copy of its id, in order of first appearance
        expect(table.size).toBe(expected.size)
        expect(Array.from({length: table.size}, (_, row) => table.offerAt(row))).toEqual([...expected.values()])
        for (const [id, offer] of expected) expect(table.offerAt(table.rowOf(id))).toEqual(offer)
      }),
    )
  })

  it('keeps -0 apart from 0 and tells null from every number', () => {
    const base: OfferDto = {
      id: 'a',
      provider: 'vastai',
      provider_id: '1',
      gpu_type: 'RTX 4090',
      gpu_count: 1,
      vram_gb: 24,
      price_per_hour: 0,
      price_per_hour_micro_usd: 0,
      price_per_gpu_hour: -0,
      location: '',
      country_code: null,
      reliability: null,
      available: true,
      fetched_at: '2026-12-01T10:00:00Z',
      cuda_version: 0,
      disk_gb: null,
      cpu_cores: null,
      ram_gb: null,
      inet_down_mbps: null,
      price_includes: {disk_gb: 0, vcpus: null, ram_gb: null},
      disk_rate: null,
      host_id: null,
      availability_confidence: 0.9,
      cooling_down_until: null,
    }
    const table = OfferTable.from([base, {...base, id: 'b', price_per_gpu_hour: 0, reliability: 0, disk_rate: {usd_per_gb: 0.1, per: 'hour', minimum_gb: 0}}])
    expect(Object.is(table.offerAt(0).price_per_gpu_hour, -0)).toBe(true)
    expect(Object.is(table.offerAt(1).price_per_gpu_hour, 0)).toBe(true)
    expect(table.offerAt(0).reliability).toBeNull()
    expect(table.offerAt(1).reliability).toBe(0)
    expect(table.offerAt(1).disk_rate).toEqual({usd_per_gb: 0.1, per: 'hour', minimum_gb: 0})
  })

  it('stores a column of mostly distinct numbers as they are, and still reads every one back', () => {
    const offers = Array.from({length: 70_000}, (_, i) => ({id: `o${i}`, price: i * 3 + 0.5}))
    const builder = new OfferTableBuilder(offers.length)
    builder.add(offers.map(({id, price}) => ({...OFFER, id, provider_id: id, price_per_hour: price})))
    const table = builder.build()
    expect(table.pricePerHour.form).toBe('decimal')
    expect(table.gpuCount.form).toBe('dictionary')
    expect(table.offerAt(69_999).price_per_hour).toBe(69_999 * 3 + 0.5)
    expect(table.rowOf('o12345')).toBe(12_345)
  })

  it('hands out the same object for a row while it is on screen, and a fresh copy of shared parts', () => {
    const table = OfferTable.from([OFFER, {...OFFER, id: 'b'}])
    expect(table.offerAt(0)).toBe(table.offerAt(0))
    expect(table.offerAt(0).price_includes).not.toBe(table.offerAt(1).price_includes)
  })
})

describe('NumberColumn', () => {
  const readBack = (column: NumberColumn, length: number) => Array.from({length}, (_, row) => column.at(row))

  it('reads back every number exactly, whichever form it is kept in', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.double(), fc.constantFrom(NaN, -0, 0)), {maxLength: 50}), fc.constantFrom(0, 4, 4096), (values, maxDictionary) => {
        const column = NumberColumn.from(Float64Array.from(values), maxDictionary)
        readBack(column, values.length).forEach((value, row) => expect(Object.is(value, values[row])).toBe(true))
      }),
    )
  })

  it('keeps short decimals (prices, reliabilities, sizes) as int32 counts, and unknowns apart from every value', () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({min: -2_000_000_000, max: 2_000_000_000}), {nil: null}), {minLength: 1, maxLength: 50}), fc.integer({min: 0, max: 9}), (units, decimals) => {
        // Given values as JSON would give them: "0.03374", "527.8", null
        const values = units.map((u) => (u === null ? NaN : Number(`${u}e-${decimals}`)))
        const column = NumberColumn.from(Float64Array.from(values), 0)
        expect(column.form).toBe(values.some((v) => Object.is(v, -0)) ? 'raw' : 'decimal')
        readBack(column, values.length).forEach((value, row) => expect(Object.is(value, values[row])).toBe(true))
      }),
    )
  })

  it('keeps doubles that are no short decimal as they are', () => {
    const values = [0.1 + 0.2, Math.PI, 1e300, 5e-324]
    const column = NumberColumn.from(Float64Array.from(values), 0)
    expect(column.form).toBe('raw')
    expect(readBack(column, values.length)).toEqual(values)
  })
})

describe('StringColumn', () => {
  it('finds a value only where a whole row holds it, not inside or across rows', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({maxLength: 4}), {maxLength: 40}), fc.string({maxLength: 5}), (values, probe) => {
        const column = new StringColumn(values)
        for (const [row, value] of values.entries()) {
          expect(column.at(row)).toBe(value)
          expect(column.indexOf(value)).toBe(row)
        }
        expect(column.indexOf(probe)).toBe(values.indexOf(probe))
      }),
    )
  })

  it('orders rows as < orders their strings', () => {
    fc.assert(
      fc.property(fc.array(fc.string({maxLength: 5}), {minLength: 2, maxLength: 20}), (values) => {
        const column = new StringColumn(values)
        for (let a = 0; a < values.length; a++)
          for (let b = 0; b < values.length; b++) expect(Math.sign(column.compare(a, b))).toBe(values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : 0)
      }),
    )
  })
})

const OFFER: OfferDto = offerDtoFixture('a')
