import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {simControl} from '../sim/control/control-client.js'
import {startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {InventoryService} from './inventory-service.js'
import {slowRefreshMs} from './refresh-worker.js'

const policy = {intervalMs: 60_000, backoffMs: 5_000, maxBackoffMs: 600_000, breakerThreshold: 3, staleAfterMs: 300_000}

describe('offer refresh', () => {
  let h: ServiceHarness
  let inventory: InventoryService
  const requests = async () => (await simControl<{requests: unknown[]}>(h.vast.url, 'GET', '/_sim/requests?path_prefix=/api/v0/bundles')).requests.length

  beforeEach(async () => {
    h = await startServiceHarness()
    inventory = new InventoryService(h.ctx, {vastai: policy})
  })
  afterEach(async () => {
    await inventory.stop()
    await h.close()
  })

  it('loads the market, records price history, and is fresh', async () => {
    await inventory.worker('vastai')!.refreshNow()
    const result = await inventory.query(h.ctx, {gpuType: 'RTX 4090'})
    expect(result.total).toBeGreaterThan(0)
    expect(result.staleProviders).toEqual([])
    const history = await h.ctx.store.priceHistory.history('rtx 4090')
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({provider: 'vastai', gpuType: 'RTX 4090'})
    expect(history[0]!.min).toBeLessThanOrEqual(history[0]!.median)
    expect(inventory.status('vastai')).toMatchObject({consecutiveFailures: 0, breaker: 'closed', nextRefreshAt: h.clock.now() + 60_000})
  })

  it('serves the last good offers flagged stale, backs off, and opens the breaker', async () => {
    const worker = inventory.worker('vastai')!
    await worker.refreshNow()
    const good = (await inventory.query(h.ctx, {})).total

    await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['500']})
    await worker.refreshNow()
    let status = inventory.status('vastai')
    expect(status.consecutiveFailures).toBe(1)
    expect(status.nextRefreshAt - h.clock.now()).toBe(5_000)
    const stale = await inventory.query(h.ctx, {})
    expect(stale.total).toBe(good)
    expect(stale.staleProviders).toEqual(['vastai'])

    h.clock.advance(5_000)
    await worker.refreshNow()
    expect(inventory.status('vastai').nextRefreshAt - h.clock.now()).toBe(10_000)
    h.clock.advance(10_000)
    await worker.refreshNow()
    status = inventory.status('vastai')
    expect(status.consecutiveFailures).toBe(3)
    expect(status.breaker).toBe('open')

    // While open, nothing is sent to the failing provider.
    const before = await requests()
    await worker.refreshNow()
    expect(await requests()).toBe(before)

    await simControl(h.vast.url, 'DELETE', '/_sim/faults')
    h.clock.set(status.nextRefreshAt)
    expect(inventory.status('vastai').breaker).toBe('half-open')
    await worker.refreshNow()
    expect(inventory.status('vastai')).toMatchObject({consecutiveFailures: 0, breaker: 'closed', stale: false})
    expect((await inventory.query(h.ctx, {})).staleProviders).toEqual([])
  })

  it('waits as long as the provider asks with Retry-After', async () => {
    const worker = inventory.worker('vastai')!
    await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['429'], retry_after_seconds: 120})
    await worker.refreshNow()
    expect(inventory.status('vastai').nextRefreshAt - h.clock.now()).toBeGreaterThanOrEqual(120_000)
  })

  it('marks offers that vanished between refreshes unavailable instead of keeping them', async () => {
    const worker = inventory.worker('vastai')!
    await worker.refreshNow()
    const [offer] = (await inventory.query(h.ctx, {sort: 'price', limit: 1})).offers
    await simControl(h.vast.url, 'DELETE', `/_sim/offers/${offer!.providerId}`)
    h.clock.advance(60_000)
    await worker.refreshNow()
    expect(await h.ctx.store.offers.get(offer!.id)).toMatchObject({available: false})
    expect((await inventory.query(h.ctx, {sort: 'price', limit: 1})).offers[0]!.id).not.toBe(offer!.id)
  })

  it('counts a provider stale when its data outlives the policy even without an error', async () => {
    await inventory.worker('vastai')!.refreshNow()
    h.clock.advance(300_001)
    expect(inventory.staleProviders()).toEqual(['vastai'])
  })
})

describe('a provider that hangs', () => {
  it('is flagged stale while its refresh hangs, and queries do not wait for it', async () => {
    const h = await startServiceHarness()
    const inventory = new InventoryService(h.ctx, {vastai: policy})
    try {
      const worker = inventory.worker('vastai')!
      await worker.refreshNow()
      await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['timeout']})
      void worker.refreshNow()
      const started = Date.now()
      const result = await inventory.query(h.ctx, {})
      expect(Date.now() - started).toBeLessThan(1_000)
      expect(result.total).toBeGreaterThan(0)
      expect(result.staleProviders).toEqual([])
      h.clock.advance(15_001)
      expect(inventory.staleProviders()).toEqual(['vastai'])
    } finally {
      await simControl(h.vast.url, 'DELETE', '/_sim/faults')
      await inventory.stop().catch(() => {})
      await h.close()
    }
  })

  it('gives a bigger fetch a longer budget before a slow refresh counts as stale', async () => {
    // The fixed 15 s covers the default 20k offers; 100k offers get 20 s, 200k 40 s.
    expect(slowRefreshMs({maxOffers: 20_000})).toBe(15_000)
    expect(slowRefreshMs({maxOffers: 100_000})).toBe(20_000)
    expect(slowRefreshMs({maxOffers: 200_000})).toBe(40_000)

    // Given a worker that fetches up to 100k offers, and a provider that stops answering
    const h = await startServiceHarness()
    const inventory = new InventoryService(h.ctx, {vastai: {...policy, maxOffers: 100_000}})
    try {
      const worker = inventory.worker('vastai')!
      await worker.refreshNow()
      await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['timeout']})
      void worker.refreshNow()

      // When 15 s pass, Then it is still within its budget; past 20 s it is stale
      h.clock.advance(15_001)
      expect(inventory.staleProviders()).toEqual([])
      h.clock.advance(5_000)
      expect(inventory.staleProviders()).toEqual(['vastai'])
    } finally {
      await simControl(h.vast.url, 'DELETE', '/_sim/faults')
      await inventory.stop().catch(() => {})
      await h.close()
    }
  })
})
