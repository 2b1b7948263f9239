import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {toMicroUsd} from '../core/money.js'
import type {Offer} from '../core/offer.js'
import {Store} from './store.js'

function offer(over: Partial<Offer>): Offer {
  return {
    id: 'vastai-1',
    provider: 'vastai',
    providerId: '1',
    gpuType: 'RTX 4090',
    gpuCount: 1,
    vramGb: 24,
    pricePerHour: toMicroUsd(0.3),
    location: 'Texas, US',
    countryCode: 'US',
    reliability: 0.99,
    available: true,
    fetchedAt: 1_000,
    cudaVersion: 12.4,
    diskGb: 100,
    cpuCores: 8,
    ramGb: 32,
    inetDownMbps: 800,
    ...over,
  }
}

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

  it('opens with WAL, foreign keys, FULL sync, the latest schema and a private file', () => {
    expect(store.db.pragma('journal_mode', {simple: true})).toBe('wal')
    expect(store.db.pragma('foreign_keys', {simple: true})).toBe(1)
    expect(store.db.pragma('synchronous', {simple: true})).toBe(2)
    expect(store.db.pragma('user_version', {simple: true})).toBe(4)
    expect(statSync(join(dir, 'db.sqlite')).mode & 0o777).toBe(0o600)
    store.close()
    store = Store.open(join(dir, 'db.sqlite'))
    expect(store.db.pragma('user_version', {simple: true})).toBe(4)
  })

  it('refuses a float in a money column (STRICT tables)', () => {
    expect(() =>
      store.db
        .prepare("INSERT INTO offers (id, provider, provider_id, gpu_type, gpu_type_key, gpu_count, vram_gb, price_per_hour_micro, price_per_gpu_micro, location, location_key, available, fetched_at) VALUES ('x','vastai','x','A','a',1,24,0.5,1,'l','l',1,1)")
        .run(),
    ).toThrow(/cannot store REAL value in INTEGER column/)
  })

  it('filters offers by model prefix, country, price and sorts with a stable tie-break', () => {
    store.offers.upsertMany([
      offer({id: 'vastai-1', providerId: '1', gpuType: 'A100 80GB SXM', pricePerHour: toMicroUsd(1.2)}),
      offer({id: 'vastai-2', providerId: '2', gpuType: 'A100 40GB PCIe', pricePerHour: toMicroUsd(0.6), countryCode: 'DE', location: 'Germany, DE'}),
      offer({id: 'vastai-3', providerId: '3', gpuType: 'A1000', pricePerHour: toMicroUsd(0.1)}),
      offer({id: 'vastai-4', providerId: '4', gpuType: 'RTX 4090', pricePerHour: toMicroUsd(0.3), available: false}),
    ])
    expect(store.offers.query({gpuTypeKey: 'a100'}).offers.map((o) => o.id)).toEqual(['vastai-2', 'vastai-1'])
    expect(store.offers.query({gpuTypeKey: 'a100', location: 'de'}).offers.map((o) => o.id)).toEqual(['vastai-2'])
    expect(store.offers.query({location: 'germ'}).offers.map((o) => o.id)).toEqual(['vastai-2'])
    expect(store.offers.query({maxPricePerHour: toMicroUsd(0.6)}).total).toBe(2)
    expect(store.offers.query({gpuTypeKey: 'rtx 4090'}).total).toBe(0)
    expect(store.offers.query({gpuTypeKey: 'rtx 4090', includeUnavailable: true}).total).toBe(1)
    expect(store.offers.query({sort: 'price', order: 'desc', limit: 1}).offers[0]!.id).toBe('vastai-1')
  })

  it('marks offers missing from a full refresh unavailable', () => {
    store.offers.upsertMany([offer({id: 'vastai-1', fetchedAt: 1_000}), offer({id: 'vastai-2', providerId: '2', fetchedAt: 1_000})])
    store.offers.upsertMany([offer({id: 'vastai-2', providerId: '2', fetchedAt: 2_000})])
    expect(store.offers.markMissingUnavailable('vastai', 2_000)).toBe(1)
    expect(store.offers.get('vastai-1')!.available).toBe(false)
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
    store.idempotency.save({scope: 's', key: 'k', requestHash: 'h', statusCode: 201, responseBody: '{}', resourceId: null, createdAt: 0, expiresAt: 100, sealedSecret: null})
    expect(store.idempotency.find('s', 'k', 50)?.requestHash).toBe('h')
    expect(store.idempotency.find('s', 'k', 100)).toBeNull()
    expect(store.idempotency.deleteExpired(100)).toBe(1)
  })
})
