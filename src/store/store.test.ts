import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {offerFixture} from '../../test/support/offer-fixture.js'

import {defaultOrder, OFFER_SORT_KEYS, type OfferSortKey} from '../core/inventory-query.js'
import {toMicroUsd} from '../core/money.js'
import type {Offer} from '../core/offer.js'
import {MIGRATIONS} from './migrations/index.js'
import {offerOrderBy} from './offers-repo.js'
import {Store} from './store.js'

const offer = (over: Partial<Offer>): Offer =>
  offerFixture('vastai-1', {pricePerHour: toMicroUsd(0.3), fetchedAt: 1_000, diskGb: 100, cpuCores: 8, ramGb: 32, inetDownMbps: 800, ...over})

describe('Store', () => {
  let dir: string
  let store: Store
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-store-'))
    store = Store.open(join(dir, 'db.sqlite'))
  })
  afterEach(() => {
    store.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('opens with WAL, foreign keys, NORMAL sync (FULL for durable commits), the latest schema and a private file', () => {
    expect(store.db.pragma('journal_mode', {simple: true})).toBe('wal')
    expect(store.db.pragma('foreign_keys', {simple: true})).toBe(1)
    expect(store.db.pragma('synchronous', {simple: true})).toBe(1)
    // A durable commit syncs with FULL, and the connection goes back to NORMAL after it, even when it throws.
    const seen = store.durably(() => store.db.pragma('synchronous', {simple: true}))
    expect(seen).toBe(2)
    expect(() => store.durably(() => {
      throw new Error('rolled back')
    })).toThrow('rolled back')
    expect(store.db.pragma('synchronous', {simple: true})).toBe(1)
    expect(store.db.pragma('user_version', {simple: true})).toBe(MIGRATIONS.length)
    expect(statSync(join(dir, 'db.sqlite')).mode & 0o777).toBe(0o600)
    store.close()
    store = Store.open(join(dir, 'db.sqlite'))
    expect(store.db.pragma('user_version', {simple: true})).toBe(MIGRATIONS.length)
  })

  it('refuses a float in a money column (STRICT tables)', () => {
    expect(() =>
      store.db
        .prepare("INSERT INTO offers (id, provider, provider_id, gpu_type, gpu_type_key, gpu_count, vram_gb, price_per_hour_micro, price_per_gpu_micro, location, location_key, available, fetched_at) VALUES ('x','vastai','x','A','a',1,24,0.5,1,'l','l',1,1)")
        .run(),
    ).toThrow(/cannot store REAL value in INTEGER column/)
  })

  it('filters offers by GPU model (the shared matcher), country, price and sorts with a stable tie-break', () => {
    store.offers.upsertMany([
      offer({id: 'vastai-1', providerId: '1', gpuType: 'A100 80GB SXM', pricePerHour: toMicroUsd(1.2)}),
      offer({id: 'vastai-2', providerId: '2', gpuType: 'A100 40GB PCIe', pricePerHour: toMicroUsd(0.6), countryCode: 'DE', location: 'Germany, DE'}),
      offer({id: 'vastai-3', providerId: '3', gpuType: 'A1000', pricePerHour: toMicroUsd(0.1)}),
      offer({id: 'vastai-4', providerId: '4', gpuType: 'RTX 4090', pricePerHour: toMicroUsd(0.3), available: false}),
    ])
    expect(store.offers.query({gpuType: 'A100'}).offers.map((o) => o.id)).toEqual(['vastai-2', 'vastai-1'])
    expect(store.offers.query({gpuType: 'a100', location: 'de'}).offers.map((o) => o.id)).toEqual(['vastai-2'])
    expect(store.offers.query({location: 'germ'}).offers.map((o) => o.id)).toEqual(['vastai-2'])
    expect(store.offers.query({maxPricePerHour: toMicroUsd(0.6)}).total).toBe(2)
    expect(store.offers.query({gpuType: 'RTX 4090'}).total).toBe(0)
    expect(store.offers.query({gpuType: 'rtx 4090', includeUnavailable: true}).total).toBe(1)
    expect(store.offers.query({gpuType: 'A100 SXM'}).offers.map((o) => o.id)).toEqual(['vastai-1'])
    expect(store.offers.query({gpuType: 'a100-80gb'}).offers.map((o) => o.id)).toEqual(['vastai-1'])
    // A memory size the name does not carry is decided by the offer's VRAM.
    expect(store.offers.query({gpuType: 'RTX 4090 24GB', includeUnavailable: true}).total).toBe(1)
    expect(store.offers.query({gpuType: 'RTX 4090 48GB', includeUnavailable: true}).total).toBe(0)
    expect(store.offers.catalog({gpuType: 'A100'}).map((r) => r.gpuType)).toEqual(['A100 40GB PCIe', 'A100 80GB SXM'])
    expect(store.offers.matchingSpec({gpuTypeKey: 'a100', gpuCount: 1, countryCode: null, maxPricePerHour: null, minReliability: 0}).map((o) => o.id)).toEqual(['vastai-2', 'vastai-1'])
    expect(store.offers.query({sort: 'price', order: 'desc', limit: 1}).offers[0]!.id).toBe('vastai-1')
  })

  it('answers price history for a GPU filter with the same matcher as the inventory', () => {
    const point = (gpuType: string) => ({gpuType, min: toMicroUsd(1), median: toMicroUsd(2), count: 3})
    store.priceHistory.record('vastai', 1_000, [point('H100 80GB SXM'), point('H100 NVL'), point('H200'), point('A100 80GB SXM')])
    store.priceHistory.record('tensordock', 2_000, [point('H100 80GB SXM')])
    expect(store.priceHistory.history('H100').map((p) => `${p.provider} ${p.gpuType}`)).toEqual(['vastai H100 80GB SXM', 'vastai H100 NVL', 'tensordock H100 80GB SXM'])
    expect(store.priceHistory.history('h100-sxm5-80gb').map((p) => p.provider)).toEqual(['vastai', 'tensordock'])
    expect(store.priceHistory.history('A100 SXM').map((p) => p.gpuType)).toEqual(['A100 80GB SXM'])
    expect(store.priceHistory.history('H100', {provider: 'tensordock'})).toHaveLength(1)
  })

  it('marks offers missing from a full refresh unavailable', () => {
    store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000}), offer({id: 'vastai-2', providerId: '2', fetchedAt: 1_000})])
    store.offers.upsertMany([offer({id: 'vastai-2', providerId: '2', fetchedAt: 2_000})])
    expect(store.offers.markMissingUnavailable('vastai', 2_000)).toBe(1)
    expect(store.offers.get('vastai-1')!.available).toBe(false)
  })

  it('pages through every sort key and order: each offer once, in order, ties by id, missing values last', () => {
    // Given offers with many ties, offers without a reliability, two providers and two fetch times
    const offers = Array.from({length: 120}, (_, i) =>
      offer({
        id: `${i % 3 === 0 ? 'tensordock' : 'vastai'}-${String(i).padStart(3, '0')}`,
        provider: i % 3 === 0 ? 'tensordock' : 'vastai',
        providerId: String(i),
        gpuCount: 1 + (i % 4),
        vramGb: [24, 48, 80][i % 3]!,
        pricePerHour: toMicroUsd([0.3, 0.5, 1.2, 2.4][i % 4]!),
        reliability: i % 7 === 0 ? null : [0.9, 0.95, 0.99][i % 3]!,
        fetchedAt: i % 2 === 0 ? 1_000 : 2_000,
      }),
    )
    store.offers.upsertMany(offers)
    const keyOf: Record<OfferSortKey, (o: Offer) => number | null> = {
      price: (o) => o.pricePerHour,
      price_per_gpu: (o) => Math.round(o.pricePerHour / o.gpuCount),
      vram: (o) => o.vramGb,
      reliability: (o) => o.reliability,
      fetched_at: (o) => o.fetchedAt,
    }

    for (const sort of OFFER_SORT_KEYS) {
      for (const order of ['asc', 'desc'] as const) {
        // When every page of 7 is read in turn
        const paged: string[] = []
        for (let offset = 0; offset < offers.length; offset += 7) {
          const page = store.offers.query({sort, order, limit: 7, offset})
          expect(page.total).toBe(offers.length)
          paged.push(...page.offers.map((o) => o.id))
        }

        // Then the pages hold each offer once, sorted, ties by id (reversed with the order)
        const tie = order === defaultOrder(sort) ? 1 : -1
        const expected = [...offers]
          .sort((a, b) => {
            const [ka, kb] = [keyOf[sort](a), keyOf[sort](b)]
            if (ka !== kb) {
              if (ka === null) return 1
              if (kb === null) return -1
              return order === 'asc' ? ka - kb : kb - ka
            }
            return a.id < b.id ? -tie : tie
          })
          .map((o) => o.id)
        expect(paged, `${sort} ${order}`).toEqual(expected)

        // And the page is read off an index, with or without a provider filter: no sort of the whole table per request
        for (const where of ['available = 1', "available = 1 AND provider = 'vastai'"]) {
          const sql = `SELECT * FROM offers WHERE ${where} ORDER BY ${offerOrderBy(sort, order)} LIMIT 7 OFFSET 70`
          const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as {detail: string}[]
          expect(plan.map((p) => p.detail).join('; '), `${sort} ${order} ${where}`).not.toMatch(/TEMP B-TREE/)
        }
      }
    }
  })

  it('counts the total again after every kind of write', () => {
    // Given two offers, counted once
    store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000}), offer({id: 'vastai-2', providerId: '2', fetchedAt: 1_000})])
    expect(store.offers.query({}).total).toBe(2)

    // When offers are added, taken and found missing, Then each query's total follows
    store.offers.upsertMany([offer({id: 'vastai-3', providerId: '3', fetchedAt: 2_000})])
    expect(store.offers.query({}).total).toBe(3)
    store.offers.markUnavailable('vastai-3')
    expect(store.offers.query({}).total).toBe(2)
    store.offers.upsertMany([offer({id: 'vastai-2', providerId: '2', fetchedAt: 3_000})])
    store.offers.markMissingUnavailable('vastai', 3_000)
    expect(store.offers.query({}).total).toBe(1)
    expect(store.offers.query({includeUnavailable: true}).total).toBe(3)
  })

  it('refreshes an unchanged offer, rewrites a changed one, and brings a returning one back', () => {
    // Given a stored offer
    store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000})])

    // When it comes back unchanged, Then only its fetch time moves
    store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 2_000})])
    expect(store.offers.get('vastai-1')).toEqual(offer({id: 'vastai-1', fetchedAt: 2_000}))

    // When its price, reliability and CUDA change, Then the row says so
    const changed = offer({id: 'vastai-1', fetchedAt: 3_000, pricePerHour: toMicroUsd(0.45), reliability: null, cudaVersion: 12.8})
    store.offers.upsertMany([changed])
    expect(store.offers.get('vastai-1')).toEqual(changed)
    expect(store.offers.query({sort: 'price_per_gpu'}).offers[0]).toEqual(changed)

    // When it is reported not available, Then it is not listed; when it returns unchanged, it is again
    store.offers.upsertMany([{...changed, fetchedAt: 4_000, available: false}])
    expect(store.offers.query({}).total).toBe(0)
    store.offers.upsertMany([{...changed, fetchedAt: 5_000}])
    expect(store.offers.get('vastai-1')).toEqual({...changed, fetchedAt: 5_000})
    expect(store.offers.query({}).total).toBe(1)
  })

  it('leases jobs: a running job is taken again only after its lease runs out', () => {
    const id = store.jobs.enqueue('provision', null, 100, 100)
    const claimed = store.jobs.claimNext(100, 1_000)
    expect(claimed).toMatchObject({id, attempts: 1, status: 'running'})
    expect(store.jobs.claimNext(500, 1_000)).toBeNull()
    expect(store.jobs.claimNext(1_100, 1_000)).toMatchObject({id, attempts: 2})
    store.jobs.complete(id, 1_200)
    expect(store.jobs.claimNext(10_000, 1_000)).toBeNull()
  })

  it('keeps idempotency records until they expire', () => {
    store.idempotency.save({scope: 's', key: 'k', requestHash: 'h', result: '{}', resourceId: null, createdAt: 0, expiresAt: 100, sealedSecret: null})
    expect(store.idempotency.find('s', 'k', 50)?.requestHash).toBe('h')
    expect(store.idempotency.find('s', 'k', 100)).toBeNull()
    expect(store.idempotency.deleteExpired(100)).toBe(1)
  })
})
