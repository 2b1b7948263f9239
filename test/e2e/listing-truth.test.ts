import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startDaemon, type RunningDaemon} from '../../daemon/server.js'
import {offerDtoPriceForDisk} from '../../src/core/offer-quote.js'
import {createLogger} from '../../src/log/logger.js'
import {simControl} from '../../src/sim/control/control-client.js'
import {pollUntil} from '../support/poll.js'

type SimInstance = {id: number | string; label?: string | null; name?: string | null; sim: {destroyed_at?: number | null; deleted_at?: number | null; charged_micro_usd: number}}

/**
 * What we say about money and machines is what the provider bills and rents: an offer's price
 * is what a default session on it pays per hour, another disk size is priced as billed, every
 * session costs what the provider charged, and a box that is not what was listed is refused,
 * destroyed and billed no more than the provider charged.
 */
describe('the money and the box are what we say they are', () => {
  let daemon: RunningDaemon
  let home: string
  const headers = () => ({authorization: `Bearer ${daemon.token}`})
  const get = async (url: string) => (await daemon.app.inject({method: 'GET', url, headers: headers()})).json()
  const post = async (url: string, payload?: object) => (await daemon.app.inject({method: 'POST', url, payload, headers: headers()})).json()
  const session = (id: string) => get(`/api/v1/sessions/${id}`)
  const until = (id: string, want: (s: any) => boolean, what: string) =>
    pollUntil(async () => {
      const s = await session(id)
      return want(s) ? s : undefined
    }, `${id} ${what}`, 60_000, 100)
  const simInstance = async (provider: 'vastai' | 'tensordock', sessionId: string) => {
    const label = `gpu-shopper:${daemon.ctx.deploymentId}:${sessionId}`
    const all = (await simControl<{instances: SimInstance[]}>(daemon.simulatorUrls[provider]!, 'GET', '/_sim/instances')).instances
    return all.find((i) => (i.label ?? i.name) === label)!
  }
  const rent = async (offerId: string, extra: object = {}) =>
    (await post('/api/v1/sessions', {consumer_id: 'truth', offer_id: offerId, workload_type: 'ssh', reservation_hours: 1, ...extra})).session.id as string
  const releaseAndSettle = async (provider: 'vastai' | 'tensordock', id: string) => {
    await post(`/api/v1/sessions/${id}/done`)
    await until(id, (s) => s.status === 'stopped', 'stopped')
    const instance = await simInstance(provider, id)
    return pollUntil(async () => {
      const cost = (await get(`/api/v1/costs?session_id=${id}`)).total_cost_micro_usd as number
      const settled = (await daemon.ctx.store.billing.get(id))?.settledAt != null
      return settled ? {cost, charged: instance.sim.charged_micro_usd} : undefined
    }, `${id} settled`, 60_000, 100)
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-truth-'))
    daemon = await startDaemon({
      port: 0,
      simulate: true,
      env: {GPU_SHOPPER_HOME: home},
      writeState: false,
      logger: createLogger({level: 'silent'}),
      timings: {pollIntervalMs: 100, orphanGraceMs: 0},
    })
  })
  afterAll(async () => {
    await daemon?.close()
    rmSync(home, {recursive: true, force: true, maxRetries: 10})
  })

  it.each(['vastai', 'tensordock'] as const)('%s: an offer\'s listed price is what its default session is billed per hour, and it costs what was charged', async (provider) => {
    const [offer] = (await get(`/api/v1/inventory?provider=${provider}&sort=price&limit=1`)).offers
    expect(offer.price_includes.disk_gb).toBe(provider === 'vastai' ? 50 : 100)
    const id = await rent(offer.id)
    const running = await until(id, (s) => s.status === 'running', 'running')
    expect(running.price_per_hour_micro_usd).toBe(offer.price_per_hour_micro_usd)
    const billing = (await daemon.ctx.store.billing.get(id))!
    expect(billing.storagePerHour + billing.computePerHour).toBe(offer.price_per_hour_micro_usd)

    const {cost, charged} = await releaseAndSettle(provider, id)
    expect(charged).toBeGreaterThan(0)
    if (provider === 'vastai') expect(cost).toBe(charged)
    else expect(cost).toBeGreaterThanOrEqual(charged)
  })

  it('prices another disk size as the provider bills it, in the quote and on the session', async () => {
    const [offer] = (await get('/api/v1/inventory?provider=vastai&sort=price&limit=3')).offers.slice(2)
    const quoted = offerDtoPriceForDisk(offer, 200)
    expect(quoted).toBeGreaterThan(offer.price_per_hour_micro_usd)
    const id = await rent(offer.id, {disk_gb: 200})
    expect((await session(id)).price_per_hour_micro_usd).toBe(quoted)
    const running = await until(id, (s) => s.status === 'running', 'running')
    expect(running.price_per_hour_micro_usd).toBe(quoted)
    const {cost, charged} = await releaseAndSettle('vastai', id)
    expect(cost).toBe(charged)
  })

  it.each([
    ['vastai', {gpu_name: 'H100 SXM', num_gpus: 1, gpu_ram_mib: 81559}],
    ['tensordock', {gpu_name: 'h100-sxm5-80gb', num_gpus: 1, gpu_ram_mib: 81559}],
  ] as const)('%s: a box that lies about its GPU is refused, destroyed, and billed no more than was charged', async (provider, lie) => {
    const [offer] = (await get(`/api/v1/inventory?provider=${provider}&gpu_type=RTX%204090&sort=price&limit=1`)).offers
    const id = await rent(offer.id)
    const withInstance = await until(id, (s) => s.provider_instance_id !== null || s.status === 'failed', 'has its instance')
    expect(withInstance.status).not.toBe('failed')
    await simControl(daemon.simulatorUrls[provider]!, 'POST', '/_sim/gpu-report', {instance_id: withInstance.provider_instance_id, ...lie})

    const failed = await until(id, (s) => s.status === 'failed' && s.stopped_at !== null, 'failed and released')
    expect(failed.failure_reason).toMatch(/^listing_mismatch: the box does not match its listing: listed 1x RTX 4090 24 GB, nvidia-smi reports .*H100.* with 80 GB/)
    const instance = await simInstance(provider, id)
    expect(instance.sim.destroyed_at ?? instance.sim.deleted_at).toBeTruthy()
    const {cost, charged} = await pollUntil(async () => {
      const billing = await daemon.ctx.store.billing.get(id)
      if (billing?.settledAt == null) return undefined
      return {cost: (await get(`/api/v1/costs?session_id=${id}`)).total_cost_micro_usd as number, charged: (await simInstance(provider, id)).sim.charged_micro_usd}
    }, `${id} settled`, 60_000, 100)
    if (provider === 'vastai') expect(cost).toBe(charged)
    else expect(cost).toBeGreaterThanOrEqual(charged)
  })
})
