
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {simControl} from '../src/sim/control/control-client.js'
import {pollUntil} from '../test/support/poll.js'
import type {RunningDaemon} from './server.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

describe('catalog and allocations (provisioning by spec)', () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  const headers = () => ({authorization: `Bearer ${daemon.token}`})
  const get = (url: string) => daemon.app.inject({method: 'GET', url, headers: headers()})
  const post = (url: string, payload?: object, extra: Record<string, string> = {}) =>
    daemon.app.inject({method: 'POST', url, payload, headers: {...headers(), ...extra}})

  async function untilStatus(id: string, status: string) {
    return pollUntil(async () => {
      const a = (await get(`/api/v1/allocations/${id}`)).json()
      if (a.status === 'failed' && status !== 'failed') throw new Error(a.failure_reason)
      return a.status === status ? a : undefined
    }, `allocation ${status}`)
  }

  beforeAll(async () => {
    testDaemon = await startTestDaemon('alloc')
    daemon = testDaemon.daemon
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  it('groups offers into SKUs with stable slugs', async () => {
    const res = await get('/api/v1/catalog')
    expect(res.statusCode).toBe(200)
    const items = res.json().items as any[]
    const rtx = items.find((i) => i.sku === 'rtx-4090' && i.gpus_total === 1)
    expect(rtx).toMatchObject({gpu_type: 'RTX 4090', vram_gb: 24})
    expect(rtx.hourly_price_minor).toBe(Math.round(rtx.min_price_per_hour_micro_usd / 10_000))
    expect(rtx.providers).toContain('vastai')
    expect(rtx.regions).toContain('US')
    expect(items.every((i) => /^[a-z0-9]+(-[a-z0-9]+)*$/.test(i.sku))).toBe(true)
    const us = (await get('/api/v1/catalog?region=us-buffalo-1')).json().items as any[]
    expect(us.every((i) => i.regions.includes('US'))).toBe(true)
  })

  it('creates once per idempotency key, runs, and releases', async () => {
    const body = {sku: 'rtx-4090', gpus_total: 1, region_code: 'US'}
    const first = await post('/api/v1/allocations', body, {'x-idempotency-key': 'quickstart-001'})
    expect(first.statusCode).toBe(201)
    const again = await post('/api/v1/allocations', body, {'x-idempotency-key': 'quickstart-001'})
    expect(again.json().id).toBe(first.json().id)
    expect(first.json()).toMatchObject({status: 'requested', sku: 'rtx-4090', gpus_total: 1, region_code: 'US', connection: null})
    const cheapest = (await get('/api/v1/inventory?gpu_type=RTX%204090&min_gpu_count=1&location=US&min_reliability=0.9&sort=price&limit=50')).json().offers.find((o: any) => o.gpu_count === 1)
    expect(first.json().offer_id).toBe(cheapest.id)

    const active = await untilStatus(first.json().id, 'active')
    expect(active.connection).toMatchObject({ssh_host: '127.0.0.1', ssh_user: 'root'})
    const released = await post(`/api/v1/allocations/${active.id}/release`, undefined, {'x-idempotency-key': 'quickstart-release-001'})
    expect(released.statusCode).toBe(200)
    expect(released.json().status).toBe('releasing')
    await untilStatus(active.id, 'released')
  })

  it('fails over to the next best offer when the first one turns out to be gone', async () => {
    const offers = (await get('/api/v1/inventory?gpu_type=RTX%203090&location=US&min_reliability=0.9&sort=price&limit=20')).json().offers.filter((o: any) => o.gpu_count === 1)
    // The provider withdraws the best offer; the daemon's inventory does not know yet.
    await simControl(daemon.simulatorUrls.vastai!, 'DELETE', `/_sim/offers/${offers[0].provider_id}`)
    const created = (await post('/api/v1/allocations', {sku: 'rtx-3090', gpus_total: 1, region_code: 'US'})).json()
    expect(created.offer_id).toBe(offers[0].id)
    const active = await untilStatus(created.id, 'active')
    expect(active.offer_id).toBe(offers[1].id)
    expect(active.offer_attempts).toBe(2)
    const events = (await get(`/api/v1/sessions/${created.id}/events?after=0`)).json().events as any[]
    expect(events.some((e) => e.type === 'failover' && e.message.includes(offers[0].id) && e.message.includes(offers[1].id))).toBe(true)
    expect((await get(`/api/v1/inventory/${offers[0].id}`)).json().available).toBe(false)
    await post(`/api/v1/allocations/${created.id}/release`)
    await untilStatus(created.id, 'released')
  })

  it('says what it searched when nothing matches, and creates nothing', async () => {
    const before = (await get('/api/v1/allocations')).json().total
    const res = await post('/api/v1/allocations', {sku: 'rtx-4090', gpus_total: 3, region_code: 'US', max_price: 0.01})
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({error_type: 'sku_unavailable', searched: {sku: 'rtx-4090', gpus_total: 3, region_code: 'US', max_price_per_hour: 0.01}})
    const unknown = await post('/api/v1/allocations', {sku: 'h900-sxm', gpus_total: 1})
    expect(unknown.json().error_type).toBe('sku_unavailable')
    expect((await post('/api/v1/allocations', {gpus_total: 1})).json()).toMatchObject({error_type: 'validation_error', field: 'sku'})
    expect((await get('/api/v1/allocations')).json().total).toBe(before)
  })

  it('names an unknown allocation as an allocation, with the command that lists them', async () => {
    const res = await get('/api/v1/allocations/alloc-missing')
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({error_type: 'not_found', allocation_id: 'alloc-missing'})
    expect(res.json().error).toBe('allocation alloc-missing does not exist; run `gpu-shopper allocations list` to list yours')
  })

  it('lists both providers in one market with one name per GPU model', async () => {
    const rtx = (await get('/api/v1/inventory?gpu_type=rtx4090&sort=price&limit=1000')).json()
    expect(new Set(rtx.offers.map((o: any) => o.provider))).toEqual(new Set(['vastai', 'tensordock']))
    expect(new Set(rtx.offers.map((o: any) => o.gpu_type))).toEqual(new Set(['RTX 4090']))
    const prices = rtx.offers.map((o: any) => o.price_per_hour_micro_usd)
    expect(prices).toEqual([...prices].sort((a: number, b: number) => a - b))
    const byGpu = (await get('/api/v1/inventory?sort=price_per_gpu&limit=200')).json().offers.map((o: any) => o.price_per_hour_micro_usd / o.gpu_count)
    expect(byGpu).toEqual([...byGpu].sort((a: number, b: number) => a - b))
  })

  it('answers within a second with last good TensorDock offers flagged stale when TensorDock fails every call', async () => {
    const td = daemon.simulatorUrls.tensordock!
    await simControl(td, 'POST', '/_sim/faults', {rate: 1, kinds: ['500', 'malformed']})
    try {
      await daemon.inventory.worker('tensordock')!.refreshNow()
      const started = performance.now()
      const res = await get('/api/v1/inventory?sort=price&limit=1000')
      expect(performance.now() - started).toBeLessThan(1_000)
      expect(res.json().stale_providers).toEqual(['tensordock'])
      expect(new Set(res.json().offers.map((o: any) => o.provider))).toEqual(new Set(['vastai', 'tensordock']))
      const health = (await daemon.app.inject({method: 'GET', url: '/health'})).json()
      expect(health.providers.find((p: any) => p.name === 'tensordock')).toMatchObject({stale: true, consecutive_failures: 1})
    } finally {
      await simControl(td, 'DELETE', '/_sim/faults')
      await daemon.inventory.worker('tensordock')!.refreshNow()
    }
    expect((await get('/api/v1/inventory?limit=1')).json().stale_providers).toEqual([])
  })

  it('shows the price history of a GPU model', async () => {
    const res = await get('/api/v1/inventory/history?gpu_type=rtx%204090')
    expect(res.statusCode).toBe(200)
    expect(res.json().gpu_type).toBe('RTX 4090')
    expect(res.json().points[0]).toMatchObject({provider: 'vastai', gpu_type: 'RTX 4090'})
    expect((await get('/api/v1/inventory/history')).statusCode).toBe(400)
  })
})
