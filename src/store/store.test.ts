import {statSync} from 'node:fs'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {offerFixture, storedSessionFixture} from '../../test/support/offer-fixture.js'
import {STORE_ENGINES, type OpenedStore} from '../../test/support/store-engines.js'

import {defaultOrder, OFFER_SORT_KEYS, type OfferSortKey} from '../core/inventory-query.js'
import {toMicroUsd} from '../core/money.js'
import type {Offer} from '../core/offer.js'
import {SQLITE_MIGRATIONS} from './migrations/index.js'
import {POSTGRES_MIGRATIONS} from './migrations/postgres/index.js'
import {offerOrderBy} from './offers-repo.js'
import type {SqliteDatabase} from './sql/sqlite-database.js'
import type {Store} from './store.js'

const offer = (over: Partial<Offer>): Offer =>
  offerFixture('vastai-1', {pricePerHour: toMicroUsd(0.3), fetchedAt: 1_000, diskGb: 100, cpuCores: 8, ramGb: 32, inetDownMbps: 800, ...over})

/** A price of half a micro-dollar, as a parameter (how every value reaches the store). */
const insertMoneyAsFloat = (store: Store) =>
  store.db.run(
    "INSERT INTO offers (id, provider, provider_id, gpu_type, gpu_type_key, gpu_count, vram_gb, price_per_hour_micro, price_per_gpu_micro, location, location_key, available, fetched_at) VALUES ('x','vastai','x','A','a',1,24,?,1,'l','l',1,1)",
    [0.5],
  )

const engine = (name: 'sqlite' | 'postgres') => STORE_ENGINES.find((e) => e.name === name)!

describe('Store on SQLite', () => {
  let opened: OpenedStore
  let store: Store
  beforeEach(async () => {
    opened = await engine('sqlite').open()
    store = opened.store
  })
  afterEach(() => opened.close())

  const pragma = async (s: Store, name: string) => Object.values((await s.db.get<Record<string, unknown>>(`PRAGMA ${name}`))!)[0]

  it('opens with WAL, foreign keys, NORMAL sync (FULL for durable commits), the latest schema and a private file', async () => {
    expect(await pragma(store, 'journal_mode')).toBe('wal')
    expect(await pragma(store, 'foreign_keys')).toBe(1)
    expect(await pragma(store, 'synchronous')).toBe(1)
    // A durable commit syncs with FULL, and the connection goes back to NORMAL after it, even when it throws.
    expect(await store.durably(() => pragma(store, 'synchronous'))).toBe(2)
    await expect(
      store.durably(async () => {
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await pragma(store, 'synchronous')).toBe(1)
    expect(await pragma(store, 'user_version')).toBe(SQLITE_MIGRATIONS.length)
    expect(statSync((store.db as SqliteDatabase).file).mode & 0o777).toBe(0o600)
    expect(await pragma(await opened.reopen(), 'user_version')).toBe(SQLITE_MIGRATIONS.length)
  })

  it('refuses a float in a money column (STRICT tables)', async () => {
    await expect(insertMoneyAsFloat(store)).rejects.toThrow(/cannot store REAL value in INTEGER column/)
  })

  it('holds other statements back while a transaction is open, so none lands inside it', async () => {
    // Given a transaction waiting between two of its statements
    let resume!: () => void
    const paused = new Promise<void>((resolve) => (resume = resolve))
    const tx = store.transaction(async () => {
      await store.meta.getOrInit('a', () => '1')
      await paused
      throw new Error('rolled back')
    })
    // When another path writes meanwhile, Then its write waits for the rollback, and stays
    const outside = store.meta.getOrInit('b', () => '2')
    resume()
    await expect(tx).rejects.toThrow('rolled back')
    expect(await outside).toBe('2')
    expect(await store.meta.get('a')).toBeNull()
  })

  it('serves every sort key and order from an index, with or without a provider filter', async () => {
    for (const sort of OFFER_SORT_KEYS) {
      for (const order of ['asc', 'desc'] as const) {
        for (const where of ['available = 1', "available = 1 AND provider = 'vastai'"]) {
          const sql = `SELECT * FROM offers WHERE ${where} ORDER BY ${offerOrderBy(sort, order)} LIMIT 7 OFFSET 70`
          const plan = await store.db.all<{detail: string}>(`EXPLAIN QUERY PLAN ${sql}`)
          expect(plan.map((p) => p.detail).join('; '), `${sort} ${order} ${where}`).not.toMatch(/TEMP B-TREE/)
        }
      }
    }
  })
})

describe('Store on PostgreSQL', () => {
  let opened: OpenedStore
  let store: Store
  beforeEach(async () => {
    opened = await engine('postgres').open()
    store = opened.store
  })
  afterEach(() => opened.close())

  it('migrates once, under a lock, however many processes start at once', async () => {
    const more = await Promise.all([opened.reopen(), opened.reopen(), opened.reopen()])
    const versions = await more[0]!.db.all<{version: number}>('SELECT version FROM schema_migrations ORDER BY version')
    expect(versions.map((v) => v.version)).toEqual(POSTGRES_MIGRATIONS.map((m) => m.version))
    // A version means the same schema on both engines.
    expect(POSTGRES_MIGRATIONS.at(-1)!.version).toBe(SQLITE_MIGRATIONS.at(-1)!.version)
  })

  it('keeps money in bigint columns and refuses a float there', async () => {
    const column = await store.db.get<{data_type: string}>(
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'ledger' AND column_name = 'amount_micro'",
    )
    expect(column!.data_type).toBe('bigint')
    await expect(insertMoneyAsFloat(store)).rejects.toThrow(/bigint/)
  })

  it('runs a transaction on its own connection while other statements go on beside it', async () => {
    let resume!: () => void
    const paused = new Promise<void>((resolve) => (resume = resolve))
    const tx = store.transaction(async () => {
      await store.meta.getOrInit('a', () => '1')
      await paused
      throw new Error('rolled back')
    })
    expect(await store.meta.getOrInit('b', () => '2')).toBe('2')
    expect(await store.meta.get('a')).toBeNull()
    resume()
    await expect(tx).rejects.toThrow('rolled back')
    expect(await store.meta.get('a')).toBeNull()
  })

  it('serialises transactions that lock the same key, from two processes', async () => {
    const order: string[] = []
    let resume!: () => void
    const paused = new Promise<void>((resolve) => (resume = resolve))
    const first = store.transaction(async () => {
      await store.db.lockKey('offer:x')
      order.push('first in')
      await paused
      order.push('first out')
    })
    await expect.poll(() => order).toEqual(['first in'])
    const other = await opened.reopen()
    const second = other.transaction(async () => {
      await other.db.lockKey('offer:x')
      order.push('second in')
    })
    const unrelated = other.transaction(async () => {
      await other.db.lockKey('offer:y')
      order.push('unrelated in')
    })
    await unrelated
    expect(order).toEqual(['first in', 'unrelated in'])
    resume()
    await Promise.all([first, second])
    expect(order).toEqual(['first in', 'unrelated in', 'first out', 'second in'])
  })

  it('hands each job to one of several processes claiming at once', async () => {
    const others = await Promise.all([opened.reopen(), opened.reopen()])
    for (let i = 0; i < 30; i++) await store.jobs.enqueue('provision', null, 100, 100)
    const claims = await Promise.all(
      [store, ...others].flatMap((s) => Array.from({length: 15}, () => s.jobs.claimNext(100, 60_000, `process-${others.indexOf(s)}`))),
    )
    const ids = claims.filter((j) => j !== null).map((j) => j.id)
    expect(ids).toHaveLength(30)
    expect(new Set(ids).size).toBe(30)
  })
})

describe.each(STORE_ENGINES)('Store ($name)', (engineUnderTest) => {
  let opened: OpenedStore
  let store: Store
  beforeEach(async () => {
    opened = await engineUnderTest.open()
    store = opened.store
  })
  afterEach(() => opened.close())

  it('filters offers by GPU model (the shared matcher), country, price and sorts with a stable tie-break', async () => {
    await store.offers.upsertMany([
      offer({id: 'vastai-1', providerId: '1', gpuType: 'A100 80GB SXM', pricePerHour: toMicroUsd(1.2)}),
      offer({id: 'vastai-2', providerId: '2', gpuType: 'A100 40GB PCIe', pricePerHour: toMicroUsd(0.6), countryCode: 'DE', location: 'Germany, DE'}),
      offer({id: 'vastai-3', providerId: '3', gpuType: 'A1000', pricePerHour: toMicroUsd(0.1)}),
      offer({id: 'vastai-4', providerId: '4', gpuType: 'RTX 4090', pricePerHour: toMicroUsd(0.3), available: false}),
    ])
    expect((await store.offers.query({gpuType: 'A100'})).offers.map((o) => o.id)).toEqual(['vastai-2', 'vastai-1'])
    expect((await store.offers.query({gpuType: 'a100', location: 'de'})).offers.map((o) => o.id)).toEqual(['vastai-2'])
    expect((await store.offers.query({location: 'germ'})).offers.map((o) => o.id)).toEqual(['vastai-2'])
    expect((await store.offers.query({maxPricePerHour: toMicroUsd(0.6)})).total).toBe(2)
    expect((await store.offers.query({gpuType: 'RTX 4090'})).total).toBe(0)
    expect((await store.offers.query({gpuType: 'rtx 4090', includeUnavailable: true})).total).toBe(1)
    expect((await store.offers.query({gpuType: 'A100 SXM'})).offers.map((o) => o.id)).toEqual(['vastai-1'])
    expect((await store.offers.query({gpuType: 'a100-80gb'})).offers.map((o) => o.id)).toEqual(['vastai-1'])
    // A memory size the name does not carry is decided by the offer's VRAM.
    expect((await store.offers.query({gpuType: 'RTX 4090 24GB', includeUnavailable: true})).total).toBe(1)
    expect((await store.offers.query({gpuType: 'RTX 4090 48GB', includeUnavailable: true})).total).toBe(0)
    expect((await store.offers.catalog({gpuType: 'A100'})).map((r) => r.gpuType)).toEqual(['A100 40GB PCIe', 'A100 80GB SXM'])
    expect((await store.offers.matchingSpec({gpuTypeKey: 'a100', gpuCount: 1, region: null, countryCode: null, maxPricePerHour: null, minReliability: 0})).map((o) => o.id)).toEqual(['vastai-2', 'vastai-1'])
    expect((await store.offers.query({sort: 'price', order: 'desc', limit: 1})).offers[0]!.id).toBe('vastai-1')
  })

  it('answers price history for a GPU filter with the same matcher as the inventory', async () => {
    const point = (gpuType: string) => ({gpuType, min: toMicroUsd(1), median: toMicroUsd(2), count: 3})
    await store.priceHistory.record('vastai', 1_000, [point('H100 80GB SXM'), point('H100 NVL'), point('H200'), point('A100 80GB SXM')])
    await store.priceHistory.record('tensordock', 2_000, [point('H100 80GB SXM')])
    expect((await store.priceHistory.history('H100')).map((p) => `${p.provider} ${p.gpuType}`)).toEqual(['vastai H100 80GB SXM', 'vastai H100 NVL', 'tensordock H100 80GB SXM'])
    expect((await store.priceHistory.history('h100-sxm5-80gb')).map((p) => p.provider)).toEqual(['vastai', 'tensordock'])
    expect((await store.priceHistory.history('A100 SXM')).map((p) => p.gpuType)).toEqual(['A100 80GB SXM'])
    expect(await store.priceHistory.history('H100', {provider: 'tensordock'})).toHaveLength(1)
  })

  it('marks offers missing from a full refresh unavailable', async () => {
    await store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000}), offer({id: 'vastai-2', providerId: '2', fetchedAt: 1_000})])
    await store.offers.upsertMany([offer({id: 'vastai-2', providerId: '2', fetchedAt: 2_000})])
    expect(await store.offers.markMissingUnavailable('vastai', 2_000)).toBe(1)
    expect((await store.offers.get('vastai-1'))!.available).toBe(false)
  })

  it('pages through every sort key and order: each offer once, in order, ties by id, missing values last', async () => {
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
    await store.offers.upsertMany(offers)
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
          const page = await store.offers.query({sort, order, limit: 7, offset})
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
      }
    }
  })

  it('counts the total again after every kind of write', async () => {
    // Given two offers, counted once
    await store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000}), offer({id: 'vastai-2', providerId: '2', fetchedAt: 1_000})])
    expect((await store.offers.query({})).total).toBe(2)

    // When offers are added, taken and found missing, Then each query's total follows
    await store.offers.upsertMany([offer({id: 'vastai-3', providerId: '3', fetchedAt: 2_000})])
    expect((await store.offers.query({})).total).toBe(3)
    await store.offers.markUnavailable('vastai-3')
    expect((await store.offers.query({})).total).toBe(2)
    await store.offers.upsertMany([offer({id: 'vastai-2', providerId: '2', fetchedAt: 3_000})])
    await store.offers.markMissingUnavailable('vastai', 3_000)
    expect((await store.offers.query({})).total).toBe(1)
    expect((await store.offers.query({includeUnavailable: true})).total).toBe(3)
  })

  it('refreshes an unchanged offer, rewrites a changed one, and brings a returning one back', async () => {
    // Given a stored offer
    await store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000})])

    // When it comes back unchanged, Then only its fetch time moves
    await store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 2_000})])
    expect(await store.offers.get('vastai-1')).toEqual(offer({id: 'vastai-1', fetchedAt: 2_000}))

    // When its price, reliability and CUDA change, Then the row says so
    const changed = offer({id: 'vastai-1', fetchedAt: 3_000, pricePerHour: toMicroUsd(0.45), reliability: null, cudaVersion: 12.8})
    await store.offers.upsertMany([changed])
    expect(await store.offers.get('vastai-1')).toEqual(changed)
    expect((await store.offers.query({sort: 'price_per_gpu'})).offers[0]).toEqual(changed)

    // When it is reported not available, Then it is not listed; when it returns unchanged, it is again
    await store.offers.upsertMany([{...changed, fetchedAt: 4_000, available: false}])
    expect((await store.offers.query({})).total).toBe(0)
    await store.offers.upsertMany([{...changed, fetchedAt: 5_000}])
    expect(await store.offers.get('vastai-1')).toEqual({...changed, fetchedAt: 5_000})
    expect((await store.offers.query({})).total).toBe(1)
  })

  it('leases jobs: a running job is taken again only after its lease runs out', async () => {
    const id = await store.jobs.enqueue('provision', null, 100, 100)
    const claimed = await store.jobs.claimNext(100, 1_000, 'p1')
    expect(claimed).toMatchObject({id, attempts: 1, status: 'running', leaseOwner: 'p1'})
    expect(await store.jobs.claimNext(500, 1_000, 'p2')).toBeNull()
    // A renewed lease is not taken over
    expect(await store.jobs.renewLeases('p1', [id], 1_500, 900)).toBe(1)
    expect(await store.jobs.claimNext(1_100, 1_000, 'p2')).toBeNull()
    // One that ran out is, and the process that lost it can no longer record the outcome
    expect(await store.jobs.claimNext(1_600, 1_000, 'p2')).toMatchObject({id, attempts: 2, leaseOwner: 'p2'})
    expect(await store.jobs.complete(id, 'p1', 1_700)).toBe(false)
    expect(await store.jobs.renewLeases('p1', [id], 5_000, 1_700)).toBe(0)
    // Failed steps in a row are counted for back-off; a step that went well starts the count over
    expect(await store.jobs.reschedule(id, 'p2', 1_700, 1_650, 'timeout')).toBe(true)
    expect(await store.jobs.claimNext(1_700, 1_000, 'p2')).toMatchObject({id, failures: 1, attempts: 3})
    expect(await store.jobs.reschedule(id, 'p2', 1_700, 1_700, 'timeout again')).toBe(true)
    expect(await store.jobs.claimNext(1_700, 1_000, 'p2')).toMatchObject({id, failures: 2})
    expect(await store.jobs.reschedule(id, 'p2', 1_700, 1_700)).toBe(true)
    expect(await store.jobs.claimNext(1_700, 1_000, 'p2')).toMatchObject({id, failures: 0, lastError: 'timeout again'})
    expect(await store.jobs.complete(id, 'p2', 1_700)).toBe(true)
    expect(await store.jobs.claimNext(10_000, 1_000, 'p1')).toBeNull()
  })

  it('hands back only its own leases at shutdown, and never starts two jobs of one session at once', async () => {
    await store.sessions.insert(storedSessionFixture('sess-a', 100))
    const first = await store.jobs.enqueue('provision', 'sess-a', 100, 100)
    const second = await store.jobs.enqueue('release', 'sess-a', 100, 100)
    const unrelated = await store.jobs.enqueue('provision', null, 100, 100)
    expect(await store.jobs.claimNext(100, 1_000, 'p1')).toMatchObject({id: first})
    // The session's other job waits for the first, even for another process
    expect(await store.jobs.claimNext(100, 1_000, 'p2')).toMatchObject({id: unrelated})
    expect(await store.jobs.claimNext(100, 1_000, 'p2')).toBeNull()
    // p2 stops: its lease comes back at once, p1's stays
    expect(await store.jobs.releaseLeasesOf('p2', 200)).toBe(1)
    expect(await store.jobs.claimNext(200, 1_000, 'p3')).toMatchObject({id: unrelated})
    // Once the session's job is back in the queue, its other job may run
    expect(await store.jobs.reschedule(first, 'p1', 300, 250)).toBe(true)
    expect(await store.jobs.claimNext(300, 1_000, 'p3')).toMatchObject({id: second})
  })

  it("records a session's instance once: a second, different instance never replaces the first", async () => {
    await store.sessions.insert(storedSessionFixture('sess-a', 100, {status: 'provisioning', providerInstanceId: null}))
    expect(await store.sessions.claimInstance('sess-a', '111', 200)).toBe(true)
    // The same instance again (a step re-run) is still the session's
    expect(await store.sessions.claimInstance('sess-a', '111', 300)).toBe(true)
    // Another attempt's instance is a duplicate: refused, the first stands
    expect(await store.sessions.claimInstance('sess-a', '222', 400)).toBe(false)
    expect((await store.sessions.get('sess-a'))?.providerInstanceId).toBe('111')
    // Only in the statuses asked for
    await store.sessions.insert(storedSessionFixture('sess-b', 100, {status: 'stopped', providerInstanceId: null}))
    expect(await store.sessions.claimInstance('sess-b', '333', 500, ['provisioning', 'running'])).toBe(false)
    expect((await store.sessions.get('sess-b'))?.providerInstanceId).toBeNull()
    expect(await store.sessions.claimInstance('sess-b', '333', 500)).toBe(true)
  })

  it('keeps idempotency records until they expire', async () => {
    await store.idempotency.save({scope: 's', key: 'k', requestHash: 'h', result: '{}', resourceId: null, createdAt: 0, expiresAt: 100, sealedSecret: null})
    expect((await store.idempotency.find('s', 'k', 50))?.requestHash).toBe('h')
    expect(await store.idempotency.find('s', 'k', 100)).toBeNull()
    expect(await store.idempotency.deleteExpired(100)).toBe(1)
  })
})
