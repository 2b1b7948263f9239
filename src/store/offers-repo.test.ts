import fc from 'fast-check'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {offerFixture} from '../../test/support/offer-fixture.js'
import {STORE_ENGINES, type OpenedStore} from '../../test/support/store-engines.js'

import {gpuTypeMatcher} from '../core/gpu-names.js'
import {defaultOrder, OFFER_SORT_KEYS, type InventoryQuery, type OfferSortKey} from '../core/inventory-query.js'
import {asMicroUsd, toMicroUsd} from '../core/money.js'
import {pricePerGpu, type Offer} from '../core/offer.js'
import {priceForDisk} from '../core/offer-quote.js'
import {OffersRepo} from './offers-repo.js'
import type {SqlDatabase, SqlParams} from './sql/sql-database.js'
import type {Store} from './store.js'

const offer = (id: string, over: Partial<Offer> = {}): Offer => offerFixture(id, {fetchedAt: 1_000, ...over})

const ids = (offers: readonly Offer[]) => offers.map((o) => o.id)

describe.each(STORE_ENGINES)('OffersRepo ($name)', (engine) => {
  let opened: OpenedStore
  let store: Store
  beforeEach(async () => {
    opened = await engine.open()
    store = opened.store
  })
  afterEach(() => opened.close())

  it("replaces one provider's market on a full refresh and leaves the other provider's alone", async () => {
    // Given both markets as first fetched
    await store.offers.upsertMany([offer('vastai-1'), offer('vastai-2'), offer('vastai-3'), offer('tensordock-a'), offer('tensordock-b')])

    // When Vast.ai's next full refresh lists 2 unchanged, 3 repriced and a new 4, but not 1
    await store.offers.upsertMany([
      offer('vastai-2', {fetchedAt: 2_000}),
      offer('vastai-3', {fetchedAt: 2_000, pricePerHour: toMicroUsd(0.25)}),
      offer('vastai-4', {fetchedAt: 2_000}),
    ])
    const gone = await store.offers.markMissingUnavailable('vastai', 2_000)

    // Then only Vast.ai's missing offer is taken off the market, kept and flagged
    expect(gone).toBe(1)
    expect(await store.offers.get('vastai-1')).toMatchObject({available: false, fetchedAt: 1_000})
    expect(ids((await store.offers.query({})).offers)).toEqual(['vastai-3', 'tensordock-a', 'tensordock-b', 'vastai-2', 'vastai-4'])
    expect((await store.offers.get('vastai-3'))!.pricePerHour).toBe(toMicroUsd(0.25))
    // TensorDock's offers, older than the Vast.ai refresh, are not Vast.ai's to retire
    expect((await store.offers.query({provider: 'tensordock'})).offers.map((o) => [o.id, o.available, o.fetchedAt])).toEqual([
      ['tensordock-a', true, 1_000],
      ['tensordock-b', true, 1_000],
    ])
    expect((await store.offers.query({includeUnavailable: true})).total).toBe(6)
    // A second pass finds nothing more to retire
    expect(await store.offers.markMissingUnavailable('vastai', 2_000)).toBe(0)
  })

  it('retires the offers a refresh did not see, of a large market as of a small one, and no other provider\'s', async () => {
    // Given a large market (more than is looked up by id) and a small one, all fetched at 1,000
    await store.offers.upsertMany([
      ...Array.from({length: 2_500}, (_, i) => offer(`vastai-${i}`)),
      ...Array.from({length: 5}, (_, i) => offer(`tensordock-${i}`)),
    ])
    // When each is refreshed at 2,000 and sees all but a few
    await store.offers.upsertMany(Array.from({length: 2_497}, (_, i) => offer(`vastai-${i}`, {fetchedAt: 2_000})))
    await store.offers.upsertMany([offer('tensordock-0', {fetchedAt: 2_000}), offer('tensordock-1', {fetchedAt: 2_000})])
    // Then exactly the unseen are gone
    expect(await store.offers.markMissingUnavailable('vastai', 2_000)).toBe(3)
    expect(await store.offers.markMissingUnavailable('tensordock', 2_000)).toBe(3)
    expect(await store.offers.markMissingUnavailable('selfhosted', 2_000)).toBe(0)
    const gone = (await store.offers.query({includeUnavailable: true, limit: 3_000})).offers.filter((o) => !o.available).map((o) => o.id)
    expect(gone.sort()).toEqual(['tensordock-2', 'tensordock-3', 'tensordock-4', 'vastai-2497', 'vastai-2498', 'vastai-2499'])
  })

  it('keeps what the price includes and how disk is priced, for every provider shape, and quotes the same after a round trip', async () => {
    const vast = offer('vastai-10', {priceIncludes: {diskGb: 50, vcpus: null, ramGb: null}, diskRate: {usdPerGb: 0.2, per: 'month', minimumGb: 1}})
    const tensordock = offer('tensordock-x', {
      priceIncludes: {diskGb: 100, vcpus: 8, ramGb: 32},
      diskRate: {usdPerGb: 0.00005, per: 'hour', minimumGb: 100},
    })
    const unpriced = offer('vastai-11', {priceIncludes: {diskGb: 40, vcpus: null, ramGb: null}, diskRate: null})
    await store.offers.upsertMany([vast, tensordock, unpriced])

    for (const original of [vast, tensordock, unpriced]) {
      const stored = (await store.offers.get(original.id))!
      expect(stored).toEqual(original)
      // The quote a session is charged from is the same from the store as from the provider's reply
      for (const disk of [10, 50, 100, 500]) expect(priceForDisk(stored, disk), `${original.id} ${disk} GB`).toBe(priceForDisk(original, disk))
    }
    expect((await store.offers.query({provider: 'tensordock'})).offers[0]).toEqual(tensordock)
    expect((await store.offers.matchingSpec({gpuTypeKey: 'rtx 4090', gpuCount: 1, region: null, countryCode: null, maxPricePerHour: null, minReliability: 0})).find((o) => o.id === 'tensordock-x')).toEqual(tensordock)

    // When only the disk rate changes, Then the row is rewritten, not just touched
    const repriced = {...vast, fetchedAt: 2_000, diskRate: {usdPerGb: 0.3, per: 'month' as const, minimumGb: 1}}
    await store.offers.upsertMany([repriced])
    expect(await store.offers.get(vast.id)).toEqual(repriced)
  })

  it('reads an offer stored before its price basis was recorded as including no disk and pricing none', async () => {
    await store.offers.upsertMany([offer('vastai-12')])
    await store.db.run("UPDATE offers SET price_basis = NULL WHERE id = 'vastai-12'")
    const stored = (await store.offers.get('vastai-12'))!
    expect(stored.priceIncludes).toEqual({diskGb: 0, vcpus: null, ramGb: null})
    expect(stored.diskRate).toBeNull()
    // Without a rate, another disk size cannot be quoted: the listed price stands
    expect(priceForDisk(stored, 500)).toBe(stored.pricePerHour)
    // And the next refresh that lists it brings its basis back
    await store.offers.upsertMany([offer('vastai-12', {fetchedAt: 2_000})])
    expect(await store.offers.get('vastai-12')).toEqual(offer('vastai-12', {fetchedAt: 2_000}))
  })

  it('filters on every field, pages with a total that ignores the page, and escapes LIKE wildcards in locations', async () => {
    await store.offers.upsertMany([
      offer('vastai-1', {vramGb: 24, gpuCount: 1, reliability: 0.99, cudaVersion: 12.4, pricePerHour: toMicroUsd(0.3)}),
      offer('vastai-2', {vramGb: 48, gpuCount: 2, reliability: 0.9, cudaVersion: 11.8, pricePerHour: toMicroUsd(0.9), location: '100%_Datacenter, DE', countryCode: 'DE'}),
      offer('vastai-3', {vramGb: 80, gpuCount: 8, reliability: null, cudaVersion: null, pricePerHour: toMicroUsd(9.6), location: '100 Datacenter, DE', countryCode: 'DE'}),
      offer('tensordock-4', {vramGb: 48, gpuCount: 4, reliability: 0.97, cudaVersion: 12.8, pricePerHour: toMicroUsd(2.4), location: 'Oslo, NO', countryCode: 'NO'}),
      offer('tensordock-5', {available: false, pricePerHour: toMicroUsd(0.1)}),
    ])
    const q = async (filter: Parameters<OffersRepo['query']>[0]) => ids((await store.offers.query(filter)).offers)

    expect(await q({})).toEqual(['vastai-1', 'vastai-2', 'tensordock-4', 'vastai-3'])
    expect((await q({includeUnavailable: true}))[0]).toBe('tensordock-5')
    expect(await q({provider: 'tensordock'})).toEqual(['tensordock-4'])
    expect(await q({minVramGb: 48})).toEqual(['vastai-2', 'tensordock-4', 'vastai-3'])
    expect(await q({minGpuCount: 4})).toEqual(['tensordock-4', 'vastai-3'])
    // An offer without a score or a CUDA version does not meet a minimum on it
    expect(await q({minReliability: 0.95})).toEqual(['vastai-1', 'tensordock-4'])
    expect(await q({minCuda: 12})).toEqual(['vastai-1', 'tensordock-4'])
    expect(await q({maxPricePerHour: toMicroUsd(0.9)})).toEqual(['vastai-1', 'vastai-2'])
    // Two letters are a country; anything else is a piece of the place name, wildcards literal
    expect(await q({location: 'de'})).toEqual(['vastai-2', 'vastai-3'])
    expect(await q({location: '100%_'})).toEqual(['vastai-2'])
    expect(await q({location: 'oslo'})).toEqual(['tensordock-4'])
    expect(await q({provider: 'vastai', minVramGb: 48, maxPricePerHour: toMicroUsd(1)})).toEqual(['vastai-2'])

    // Sorted, limited and offset; the total counts every match, not the page
    const page = await store.offers.query({sort: 'vram', limit: 2, offset: 1})
    expect(ids(page.offers)).toEqual(['tensordock-4', 'vastai-2'])
    expect(page.total).toBe(4)
    expect(ids((await store.offers.query({sort: 'reliability', order: 'asc'})).offers)).toEqual(['vastai-2', 'tensordock-4', 'vastai-1', 'vastai-3'])
    expect((await store.offers.query({limit: 0})).offers).toEqual([])
  })


  it('answers a repeated query as the store stands, after its own writes and after another connection’s', async () => {
    await store.offers.upsertMany([offer('vastai-1', {pricePerHour: toMicroUsd(0.3)}), offer('vastai-2', {pricePerHour: toMicroUsd(0.5)})])
    const query = {maxPricePerHour: toMicroUsd(1), limit: 10}
    const first = await store.offers.query(query)
    expect(ids(first.offers)).toEqual(['vastai-1', 'vastai-2'])
    // A page handed out may be handed out again: nobody can change it under another caller
    expect(Object.isFrozen(first.offers) && first.offers.every(Object.isFrozen)).toBe(true)
    expect(await store.offers.query(query)).toEqual(first)

    // This connection's own write
    await store.offers.upsertMany([offer('vastai-3', {pricePerHour: toMicroUsd(0.1)})])
    expect(ids((await store.offers.query(query)).offers)).toEqual(['vastai-3', 'vastai-1', 'vastai-2'])
    await store.offers.markUnavailable('vastai-3')
    expect((await store.offers.query(query)).total).toBe(2)

    // Another connection's (the market ingest thread, another process), committed in between
    const other = await opened.reopen()
    await other.offers.upsertMany([offer('vastai-1', {pricePerHour: toMicroUsd(2)})])
    const after = await store.offers.query(query)
    expect(ids(after.offers)).toEqual(['vastai-2'])
    expect(after.total).toBe(1)
  })
  it('picks offers for a spec cheapest first, never one a live session holds, within price, place and reliability', async () => {
    await store.offers.upsertMany([
      offer('vastai-1', {pricePerHour: toMicroUsd(0.3), reliability: 0.8}),
      offer('vastai-2', {pricePerHour: toMicroUsd(0.3), reliability: 0.99}),
      offer('vastai-3', {pricePerHour: toMicroUsd(0.3), reliability: null}),
      offer('vastai-4', {pricePerHour: toMicroUsd(0.5), reliability: 0.95, countryCode: 'DE', location: 'Berlin, DE'}),
      offer('vastai-5', {pricePerHour: toMicroUsd(0.2), gpuCount: 2}),
      offer('vastai-6', {pricePerHour: toMicroUsd(0.1), available: false}),
      offer('tensordock-7', {pricePerHour: toMicroUsd(0.35), gpuType: 'RTX 4090D'}),
    ])
    const spec = {gpuTypeKey: 'rtx 4090', gpuCount: 1, region: null, countryCode: null, maxPricePerHour: null, minReliability: 0.9}
    // Equal prices go to the more reliable; an offer without a score counts as exactly the floor
    expect(ids(await store.offers.matchingSpec(spec))).toEqual(['vastai-2', 'vastai-3', 'vastai-4'])
    // Offers our own live sessions hold are excluded by id
    expect(ids(await store.offers.matchingSpec({...spec, excludeIds: ['vastai-2', 'vastai-3']}))).toEqual(['vastai-4'])
    expect(ids(await store.offers.matchingSpec({...spec, minReliability: 0}))).toEqual(['vastai-2', 'vastai-1', 'vastai-3', 'vastai-4'])
    expect(ids(await store.offers.matchingSpec({...spec, region: 'de', countryCode: 'DE'}))).toEqual(['vastai-4'])
    // A self-hosted node's region has no country: its offers match by their location, whatever the case
    await store.offers.upsertMany([offer('selfhosted-lab.g1', {provider: 'selfhosted', pricePerHour: toMicroUsd(0.5), reliability: null, countryCode: null, location: 'Home-Lab'})])
    expect(ids(await store.offers.matchingSpec({...spec, minReliability: 0, region: 'home-lab', countryCode: null}))).toEqual(['selfhosted-lab.g1'])
    expect(ids(await store.offers.matchingSpec({...spec, maxPricePerHour: toMicroUsd(0.3)}))).toEqual(['vastai-2', 'vastai-3'])
    // The count is exact, and a 4090 is not a 4090 D
    expect(ids(await store.offers.matchingSpec({...spec, gpuCount: 2}))).toEqual(['vastai-5'])
    expect(ids(await store.offers.matchingSpec({...spec, gpuTypeKey: 'rtx 4090d'}))).toEqual(['tensordock-7'])
    expect(ids(await store.offers.matchingSpec({...spec, limit: 1}))).toEqual(['vastai-2'])
  })

  it('picks comparable offers for a retry and offers that can run a template: any model, VRAM, machines to avoid, CUDA and disk', async () => {
    await store.offers.upsertMany([
      offer('vastai-1', {pricePerHour: toMicroUsd(0.3), vramGb: 24, hostId: 'vastai:1', cudaVersion: 12.1, diskGb: 80}),
      offer('vastai-2', {pricePerHour: toMicroUsd(0.4), gpuType: 'RTX 3090', vramGb: 24, hostId: 'vastai:2', cudaVersion: 12.8, diskGb: 500}),
      offer('vastai-3', {pricePerHour: toMicroUsd(0.5), gpuType: 'A4000', vramGb: 16, hostId: 'vastai:3', cudaVersion: 12.8, diskGb: 500}),
      offer('vastai-4', {pricePerHour: toMicroUsd(0.6), hostId: null, cudaVersion: null, diskGb: null}),
    ])
    const any = {gpuTypeKey: null, gpuCount: 1, region: null, countryCode: null, maxPricePerHour: null, minReliability: 0}
    expect(ids(await store.offers.matchingSpec(any))).toEqual(['vastai-1', 'vastai-2', 'vastai-3', 'vastai-4'])
    expect(ids(await store.offers.matchingSpec({...any, minVramGb: 24}))).toEqual(['vastai-1', 'vastai-2', 'vastai-4'])
    // Machines to avoid are left out; an offer that names no machine is not
    expect(ids(await store.offers.matchingSpec({...any, excludeHostIds: ['vastai:1', 'vastai:3']}))).toEqual(['vastai-2', 'vastai-4'])
    // A template's CUDA (12.1 is not below 12.1; an unknown driver drops out) and disk
    expect(ids(await store.offers.matchingSpec({...any, minCudaVersion: 12.1}))).toEqual(['vastai-1', 'vastai-2', 'vastai-3'])
    expect(ids(await store.offers.matchingSpec({...any, minCudaVersion: 12.4, minDiskGb: 100}))).toEqual(['vastai-2', 'vastai-3'])
  })

  it('lists the models on offer and groups the available ones into a catalog', async () => {
    await store.offers.upsertMany([
      offer('vastai-1', {gpuType: 'RTX 4090', pricePerHour: toMicroUsd(0.3)}),
      offer('vastai-2', {gpuType: 'RTX 4090', pricePerHour: toMicroUsd(0.5), countryCode: 'DE'}),
      offer('tensordock-3', {gpuType: 'RTX 4090', pricePerHour: toMicroUsd(0.4), countryCode: null}),
      offer('vastai-4', {gpuType: 'H100 80GB SXM', gpuCount: 8, vramGb: 80, pricePerHour: toMicroUsd(20)}),
      offer('vastai-5', {gpuType: 'A100 80GB SXM', available: false}),
    ])
    expect(await store.offers.gpuTypes()).toEqual(['A100 80GB SXM', 'H100 80GB SXM', 'RTX 4090'])
    expect(await store.offers.catalog()).toEqual([
      {gpuType: 'H100 80GB SXM', gpuCount: 8, vramGb: 80, minPrice: toMicroUsd(20), maxPrice: toMicroUsd(20), offers: 1, countries: ['US'], providers: ['vastai']},
      {gpuType: 'RTX 4090', gpuCount: 1, vramGb: 24, minPrice: toMicroUsd(0.3), maxPrice: toMicroUsd(0.5), offers: 3, countries: ['DE', 'US'], providers: ['tensordock', 'vastai']},
    ])
    expect((await store.offers.catalog({provider: 'tensordock'})).map((r) => [r.gpuType, r.offers])).toEqual([['RTX 4090', 1]])
    expect((await store.offers.catalog({countryCode: 'DE'})).map((r) => [r.gpuType, r.offers])).toEqual([['RTX 4090', 1]])
    expect((await store.offers.catalog({gpuType: 'h100'})).map((r) => r.gpuType)).toEqual(['H100 80GB SXM'])
  })
})

describe.each(STORE_ENGINES)('OffersRepo ($name): random queries over a random market', (engine) => {
  it('answers every query as a naive filter, sort and slice of the same offers would', async () => {
    const opened = await engine.open()
    try {
      const models: [string, number][] = [['RTX 4090', 24], ['RTX 4090', 48], ['RTX 3090', 24], ['A100 SXM4', 80], ['A100 PCIE', 40], ['H100 SXM', 80], ['L40S', 48]]
      const places: [string, string | null][] = [['Texas, US', 'US'], ['Quebec, CA', 'CA'], ['Bavaria, DE', 'DE'], ['', null], ['100% Green_DC, US', 'US']]
      const market = fc.sample(
        fc.record({
          model: fc.constantFrom(...models),
          place: fc.constantFrom(...places),
          provider: fc.constantFrom('vastai', 'tensordock'),
          gpuCount: fc.constantFrom(1, 2, 4, 8),
          price: fc.integer({min: 50_000, max: 20_000_000}),
          reliability: fc.option(fc.constantFrom(0.8, 0.9, 0.95, 0.99), {nil: null}),
          cuda: fc.option(fc.constantFrom(11.8, 12.2, 12.4), {nil: null}),
          available: fc.boolean(),
          fetchedAt: fc.integer({min: 1_000, max: 1_010}),
        }),
        {numRuns: 400, seed: 7},
      ).map((r, i) =>
        offer(`${r.provider}-${i}`, {
          gpuType: r.model[0],
          vramGb: r.model[1],
          location: r.place[0],
          countryCode: r.place[1],
          gpuCount: r.gpuCount,
          pricePerHour: asMicroUsd(r.price),
          reliability: r.reliability,
          cudaVersion: r.cuda,
          available: r.available,
          fetchedAt: r.fetchedAt,
        }),
      )
      await opened.store.offers.upsertMany(market)

      const value = (o: Offer, sort: OfferSortKey): number | null =>
        sort === 'price' ? o.pricePerHour : sort === 'price_per_gpu' ? pricePerGpu(o) : sort === 'vram' ? o.vramGb : sort === 'reliability' ? o.reliability : o.fetchedAt
      const naive = (q: InventoryQuery): {ids: string[]; total: number} => {
        const gpu = q.gpuType ? gpuTypeMatcher(q.gpuType) : null
        const loc = q.location?.trim()
        const matching = market.filter(
          (o) =>
            o.available &&
            (!q.provider || o.provider === q.provider) &&
            (!gpu || (gpu.byName(o.gpuType) && (!gpu.namesVram || gpu(o.gpuType.toLowerCase(), o.vramGb)))) &&
            (!loc || (/^[A-Za-z]{2}$/.test(loc) ? o.countryCode === loc.toUpperCase() : o.location.toLowerCase().includes(loc.toLowerCase()))) &&
            (q.minVramGb === undefined || o.vramGb >= q.minVramGb) &&
            (q.maxPricePerHour === undefined || o.pricePerHour <= q.maxPricePerHour) &&
            (q.minGpuCount === undefined || o.gpuCount >= q.minGpuCount) &&
            (q.minReliability === undefined || (o.reliability !== null && o.reliability >= q.minReliability)) &&
            (q.minCuda === undefined || (o.cudaVersion !== null && o.cudaVersion >= q.minCuda)),
        )
        const sort = q.sort ?? 'price'
        const order = q.order ?? defaultOrder(sort)
        const reversed = order !== defaultOrder(sort)
        matching.sort((a, b) => {
          const [x, y] = [value(a, sort), value(b, sort)]
          if (x !== y) {
            if (x === null) return 1
            if (y === null) return -1
            return order === 'asc' ? x - y : y - x
          }
          return (a.id < b.id ? -1 : 1) * (reversed ? -1 : 1)
        })
        const offset = q.offset ?? 0
        return {ids: ids(matching.slice(offset, offset + (q.limit ?? 100))), total: matching.length}
      }

      await fc.assert(
        fc.asyncProperty(
          fc.record(
            {
              provider: fc.constantFrom('vastai' as const, 'tensordock' as const),
              gpuType: fc.constantFrom('RTX 4090', 'rtx 4090 48GB', 'A100', 'a100 sxm', 'H100', '3090', 'L40S', 'MI300X'),
              location: fc.constantFrom('US', 'ca', 'texas', 'green_', '100%', 'nowhere'),
              minVramGb: fc.constantFrom(24, 40, 48, 80),
              maxPricePerHour: fc.integer({min: 100_000, max: 20_000_000}).map(asMicroUsd),
              minGpuCount: fc.constantFrom(1, 2, 4, 8),
              minReliability: fc.constantFrom(0.85, 0.95, 0.99),
              minCuda: fc.constantFrom(12, 12.3),
              sort: fc.constantFrom(...OFFER_SORT_KEYS),
              order: fc.constantFrom('asc' as const, 'desc' as const),
              limit: fc.integer({min: 1, max: 60}),
              offset: fc.integer({min: 0, max: 250}),
            },
            {requiredKeys: []},
          ),
          async (q) => {
            const got = await opened.store.offers.query(q)
            const want = naive(q)
            expect({ids: ids(got.offers), total: got.total}).toEqual(want)
          },
        ),
        {numRuns: engine.name === 'sqlite' ? 300 : 100, seed: 11},
      )
    } finally {
      await opened.close()
    }
  })
})

describe('OffersRepo on SQLite: query plans', async () => {
  let opened: OpenedStore
  let store: Store
  beforeEach(async () => {
    opened = await STORE_ENGINES.find((e) => e.name === 'sqlite')!.open()
    store = opened.store
  })
  afterEach(() => opened.close())

  it('reads the inventory off its indexes: no statement it runs scans the table, and a page is chosen in order off an index alone', async () => {
    // Given a market of a few thousand offers of several models on two providers
    const models = ['RTX 4090', 'RTX 3090', 'A100 80GB SXM', 'H100 80GB SXM', 'L40S', 'RTX A6000']
    await store.offers.upsertMany(
      Array.from({length: 3_000}, (_, i) =>
        offer(`${i % 3 ? 'vastai' : 'tensordock'}-${i}`, {
          gpuType: models[i % models.length]!,
          gpuCount: 1 + (i % 8),
          pricePerHour: toMicroUsd(0.1 + (i % 97) / 10),
          reliability: i % 11 ? 0.9 + (i % 10) / 100 : null,
          available: i % 13 !== 0,
        }),
      ),
    )
    // When each of the inventory's reads runs through a repo that records its statements
    const recorded = recordingRepo(store.db)
    const plans = async (read: (repo: OffersRepo) => Promise<unknown>) => {
      recorded.statements.length = 0
      await read(recorded.repo)
      const explained = []
      for (const {sql, params} of recorded.statements) {
        const plan = await store.db.all<{detail: string}>(`EXPLAIN QUERY PLAN ${sql}`, params)
        explained.push({sql: sql.replace(/\s+/g, ' ').trim(), plan: plan.map((p) => p.detail)})
      }
      return explained
    }
    const reads: Record<string, (repo: OffersRepo) => Promise<unknown>> = {
      'the default page': (r) => r.query({}),
      'a GPU filter': (r) => r.query({gpuType: 'RTX 4090'}),
      'a GPU filter with a memory size': (r) => r.query({gpuType: 'RTX 4090 24GB'}),
      'a provider': (r) => r.query({provider: 'vastai'}),
      'a price cap': (r) => r.query({maxPricePerHour: toMicroUsd(1)}),
      'a spec': (r) => r.matchingSpec({gpuTypeKey: 'rtx 4090', gpuCount: 1, region: 'us', countryCode: 'US', maxPricePerHour: null, minReliability: 0.9, excludeIds: ['vastai-1']}),
      'one offer': (r) => r.get('vastai-1'),
      'the models': (r) => r.gpuTypes(),
      'a refresh retiring what it did not see': (r) => r.markMissingUnavailable('vastai', 2_000),
      'a small market’s refresh retiring what it did not see': (r) => r.markMissingUnavailable('tensordock', 2_000),
    }

    // Then none scans the whole table
    for (const [what, read] of Object.entries(reads)) {
      const ran = await plans(read)
      expect(ran.length, what).toBeGreaterThan(0)
      for (const {sql, plan} of ran) {
        expect(plan.join('; '), `${what}: ${sql}`).not.toMatch(/\bSCAN offers\b/)
        expect(plan.join('; '), `${what}: ${sql}`).toMatch(/USING (COVERING )?INDEX|PRIMARY KEY|sqlite_autoindex/)
      }
    }
    // And the page the inventory opens on (cheapest first, with or without the usual filters) is chosen in order
    // off an index alone: the price index (testing filters on its entries), or for one model the GPU index,
    // which holds that model's offers cheapest first; only the page's own rows are then sorted
    for (const [what, index] of [['the default page', 'COVERING INDEX offers_by_price'], ['a provider', 'COVERING INDEX offers_by_price'], ['a price cap', 'COVERING INDEX offers_by_price'], ['a GPU filter', 'COVERING INDEX offers_by_gpu (gpu_type_key=? AND available=?)']] as const) {
      const page = (await plans(reads[what]!)).find((s) => s.sql.includes('rowid IN'))!
      expect(page.plan.join('; '), what).toContain(`USING ${index}`)
      expect(page.plan.filter((p) => /TEMP B-TREE FOR/.test(p)), what).toEqual(['USE TEMP B-TREE FOR ORDER BY'])
    }
  })

  it('serves the held-offer check off the sessions index by offer', async () => {
    const plan = (
      await store.db.all<{detail: string}>(
        "EXPLAIN QUERY PLAN SELECT id, status FROM sessions WHERE offer_id = ? AND status IN ('pending', 'provisioning', 'running', 'stopping') ORDER BY created_at LIMIT 1",
        ['vastai-1'],
      )
    ).map((p) => p.detail)
    expect(plan.join('; ')).toMatch(/USING INDEX sessions_by_offer \(offer_id=\?/)
  })
})

/** An OffersRepo whose statements are recorded with the parameters they ran with, to explain exactly those. */
function recordingRepo(db: SqlDatabase): {repo: OffersRepo; statements: Array<{sql: string; params: SqlParams | undefined}>} {
  const statements: Array<{sql: string; params: SqlParams | undefined}> = []
  const recordingDb = new Proxy(db, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function') return value
      const method = (value as (...args: unknown[]) => unknown).bind(target)
      if (prop !== 'all' && prop !== 'values' && prop !== 'get' && prop !== 'run') return method
      return (sql: string, params?: SqlParams) => {
        statements.push({sql, params})
        return method(sql, params)
      }
    },
  })
  return {repo: new OffersRepo(recordingDb), statements}
}
