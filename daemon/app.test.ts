
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pollUntil} from '../test/support/poll.js'
import type {RunningDaemon} from './server.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

describe('daemon API against the simulated Vast.ai', () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  const auth = () => ({authorization: `Bearer ${daemon.token}`})
  const get = (url: string, headers: Record<string, string> = auth()) => daemon.app.inject({method: 'GET', url, headers})
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    daemon.app.inject({method: 'POST', url, payload: payload as object, headers: {...auth(), ...headers}})

  beforeAll(async () => {
    testDaemon = await startTestDaemon('app')
    daemon = testDaemon.daemon
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  async function cheapestOffer(gpu = 'RTX 4090') {
    const res = await get(`/api/v1/inventory?gpu_type=${encodeURIComponent(gpu)}&sort=price&limit=1`)
    expect(res.statusCode).toBe(200)
    return res.json().offers[0] as {id: string; price_per_hour: number}
  }

  async function sessionCount(): Promise<number> {
    return (await get('/api/v1/sessions')).json().total
  }

  it('serves /health without a token and says it is simulated', async () => {
    const res = await daemon.app.inject({method: 'GET', url: '/health'})
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({status: 'ok', simulated: true, auth: true})
    expect(res.json().deployment_id).toMatch(/^dep-[0-9a-f]{8}$/)
  })

  it('refuses a missing or wrong token and a foreign Host header', async () => {
    const missing = await get('/api/v1/inventory', {})
    expect(missing.statusCode).toBe(401)
    expect(missing.json()).toMatchObject({error_type: 'unauthorized'})
    expect(missing.json().request_id).toMatch(/^req-/)
    expect((await get('/api/v1/inventory', {authorization: 'Bearer nope'})).statusCode).toBe(401)
    const rebinding = await daemon.app.inject({method: 'GET', url: '/health', headers: {host: 'evil.example:8080'}})
    expect(rebinding.statusCode).toBe(403)
  })

  it('lists offers with every seed attribute, filtered and sorted', async () => {
    const res = await get('/api/v1/inventory?gpu_type=rtx%204090&max_price=0.5&provider=vastai&sort=price&limit=50')
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.simulated).toBe(true)
    expect(body.stale_providers).toEqual([])
    expect(body.offers.length).toBeGreaterThan(0)
    for (const offer of body.offers) {
      expect(offer).toMatchObject({provider: 'vastai', gpu_type: 'RTX 4090', available: true})
      expect(offer.id).toBe(`vastai-${offer.provider_id}`)
      expect(offer.price_per_hour).toBeLessThanOrEqual(0.5)
      for (const key of ['vram_gb', 'gpu_count', 'location', 'reliability', 'fetched_at']) expect(offer).toHaveProperty(key)
    }
    const prices = body.offers.map((o: {price_per_hour: number}) => o.price_per_hour)
    expect(prices).toEqual([...prices].sort((a, b) => a - b))
  })

  it('answers bad query parameters with a 400 naming the parameter', async () => {
    const res = await get('/api/v1/inventory?max_price=-1')
    expect(res.statusCode).toBe(400)
    expect(res.json()).toMatchObject({error_type: 'validation_error', field: 'max_price'})
    expect((await get('/api/v1/inventory?sort=cheapest')).statusCode).toBe(400)
    expect((await get('/api/v1/inventory?min_vram=abc')).statusCode).toBe(400)
  })

  it('rejects bad create requests with 4xx and writes nothing', async () => {
    const offer = await cheapestOffer()
    const before = await sessionCount()
    const base = {consumer_id: 'tests', offer_id: offer.id, workload_type: 'llm', reservation_hours: 2}
    const unknown = await post('/api/v1/sessions', {...base, offer_id: 'vastai-999999999'})
    expect(unknown.statusCode).toBe(404)
    expect(unknown.json()).toMatchObject({error_type: 'not_found', offer_id: 'vastai-999999999'})
    for (const hours of [0, 13, 1.5]) {
      const res = await post('/api/v1/sessions', {...base, reservation_hours: hours})
      expect(res.statusCode).toBe(400)
      expect(res.json()).toMatchObject({error_type: 'validation_error', field: 'reservation_hours'})
    }
    const malformed = await daemon.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      payload: '{"consumer_id": ',
      headers: {...auth(), 'content-type': 'application/json'},
    })
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json()).toMatchObject({error_type: 'validation_error'})
    expect((await post('/api/v1/sessions', {...base, workload_type: 'mining'})).statusCode).toBe(400)
    expect(await sessionCount()).toBe(before)
  })

  it('provisions, extends, releases and bills a session end to end', async () => {
    const offer = await cheapestOffer()
    const created = await post('/api/v1/sessions', {consumer_id: 'my-app', offer_id: offer.id, workload_type: 'llm', reservation_hours: 2})
    expect(created.statusCode).toBe(201)
    const {session, ssh_private_key} = created.json()
    expect(ssh_private_key).toMatch(/BEGIN OPENSSH PRIVATE KEY/)
    // The reply waits briefly for the provider's answer, as the seed's does: provisioning, with its instance.
    expect(session).toMatchObject({status: 'provisioning', consumer_id: 'my-app', offer_id: offer.id, simulated: true})
    expect(session.provider_instance_id).toMatch(/^\d+$/)

    const running = await pollUntil(async () => {
      const s = (await get(`/api/v1/sessions/${session.id}`)).json()
      if (s.status === 'failed') throw new Error(s.failure_reason)
      return s.status === 'running' ? s : undefined
    }, 'session running')
    expect(running.ssh_host).toBe('127.0.0.1')
    expect(running.ssh_user).toBe('root')
    expect(running.ssh_host_key_fingerprint).toMatch(/^SHA256:/)

    const events = (await get(`/api/v1/sessions/${session.id}/events?after=0`)).json().events
    expect(events.map((e: {to_status: string | null}) => e.to_status).filter(Boolean)).toEqual(['pending', 'provisioning', 'running'])

    const extended = await post(`/api/v1/sessions/${session.id}/extend`, {additional_hours: 2})
    expect(extended.statusCode).toBe(200)
    expect(Date.parse(extended.json().new_expires_at) - Date.parse(running.expires_at)).toBe(2 * 3_600_000)
    const tooLong = await post(`/api/v1/sessions/${session.id}/extend`, {additional_hours: 9})
    expect(tooLong.statusCode).toBe(409)
    // A retried extension with its key adds the hours once; the key with other hours is a mistake.
    const keyed = await post(`/api/v1/sessions/${session.id}/extend`, {additional_hours: 1}, {'x-idempotency-key': 'ext-1'})
    const retried = await post(`/api/v1/sessions/${session.id}/extend`, {additional_hours: 1}, {'x-idempotency-key': 'ext-1'})
    expect(retried.json()).toEqual(keyed.json())
    expect(Date.parse(keyed.json().new_expires_at) - Date.parse(running.expires_at)).toBe(3 * 3_600_000)
    expect((await post(`/api/v1/sessions/${session.id}/extend`, {additional_hours: 2}, {'x-idempotency-key': 'ext-1'})).statusCode).toBe(409)

    const done = await post(`/api/v1/sessions/${session.id}/done`, {})
    expect(done.statusCode).toBe(200)
    expect(done.json().session_id).toBe(session.id)
    const stopped = await pollUntil(async () => {
      const s = (await get(`/api/v1/sessions/${session.id}`)).json()
      return s.status === 'stopped' ? s : undefined
    }, 'session stopped')
    expect(stopped.stopped_at).not.toBeNull()

    const cost = (await get(`/api/v1/costs?session_id=${session.id}`)).json()
    expect(cost).toMatchObject({session_id: session.id, currency: 'USD'})
    expect(Number.isInteger(cost.total_cost_micro_usd)).toBe(true)
    const consumer = (await get('/api/v1/costs?consumer_id=my-app')).json()
    expect(consumer).toMatchObject({consumer_id: 'my-app', session_count: 1})
    expect(consumer.total_cost_micro_usd).toBe(cost.total_cost_micro_usd)
    expect(consumer.by_provider_micro_usd.vastai).toBe(cost.total_cost_micro_usd)
    expect(consumer.by_gpu_type).toHaveProperty('RTX 4090')
  })

  it('replays a create with the same idempotency key and refuses it with another body', async () => {
    const offer = await cheapestOffer('RTX 3090')
    const body = {consumer_id: 'idem', offer_id: offer.id, workload_type: 'batch', reservation_hours: 1, ssh_public_key: daemon.ctx.daemonKey.publicKey}
    const first = await post('/api/v1/sessions', body, {'x-idempotency-key': 'k-1'})
    const again = await post('/api/v1/sessions', body, {'x-idempotency-key': 'k-1'})
    expect(first.statusCode).toBe(201)
    expect(again.statusCode).toBe(201)
    // The same session, as it stands now: a replay reports how far the first create has got.
    const terms = ({id, consumer_id, offer_id, price_per_hour_micro_usd, created_at, expires_at}: Record<string, unknown>) =>
      ({id, consumer_id, offer_id, price_per_hour_micro_usd, created_at, expires_at})
    expect(terms(again.json().session)).toEqual(terms(first.json().session))
    expect(first.json().ssh_private_key).toBeUndefined()
    const other = await post('/api/v1/sessions', {...body, reservation_hours: 2}, {'x-idempotency-key': 'k-1'})
    expect(other.statusCode).toBe(409)
    expect(other.json().error_type).toBe('conflict')
    await post(`/api/v1/sessions/${first.json().session.id}/done`, {})
  })

  it('refuses a create past the consumer budget with a 402, and writes nothing', async () => {
    const put = await daemon.app.inject({method: 'PUT', url: '/api/v1/consumers/frugal/budget', payload: {monthly_limit: 0.05}, headers: auth()})
    expect(put.statusCode).toBe(200)
    expect(put.json()).toMatchObject({consumer_id: 'frugal', monthly_limit: 0.05, alert_threshold: 0.8, on_limit: 'release', spent: 0, remaining: 0.05})
    const offer = await cheapestOffer()
    const before = await sessionCount()
    const res = await post('/api/v1/sessions', {consumer_id: 'frugal', offer_id: offer.id, workload_type: 'llm', reservation_hours: 12})
    expect(res.statusCode).toBe(402)
    expect(res.json()).toMatchObject({error_type: 'insufficient_balance', consumer_id: 'frugal', remaining_micro_usd: 50_000})
    expect(await sessionCount()).toBe(before)
    expect((await daemon.app.inject({method: 'PUT', url: '/api/v1/consumers/frugal/budget', payload: {monthly_limit: -1}, headers: auth()})).statusCode).toBe(400)
    expect((await get('/api/v1/consumers/nobody/budget')).statusCode).toBe(404)
  })

  it('replays a release with the same idempotency key and refuses the key for another session', async () => {
    // Not the cheapest RTX 3090, which an earlier test still holds: a Vast.ai offer is one machine, rented once.
    const offer = (await get('/api/v1/inventory?gpu_type=RTX%203090&sort=price&order=desc&limit=1')).json().offers[0] as {id: string}
    const a = (await post('/api/v1/sessions', {consumer_id: 'idem2', offer_id: offer.id, workload_type: 'batch', reservation_hours: 1})).json().session.id
    const first = await post(`/api/v1/sessions/${a}/done`, undefined as never, {'x-idempotency-key': 'rel-1'})
    const again = await post(`/api/v1/sessions/${a}/done`, undefined as never, {'x-idempotency-key': 'rel-1'})
    expect(again.json()).toEqual(first.json())
    const other = await post('/api/v1/sessions/sess-000000000000/done', undefined as never, {'x-idempotency-key': 'rel-1'})
    expect(other.statusCode).toBe(409)
  })

  it('refuses at once to rent an offer one of our own live sessions holds, naming that session', async () => {
    const offer = (await get('/api/v1/inventory?gpu_type=RTX%204090&sort=price&order=desc&limit=1')).json().offers[0] as {id: string}
    const held = (await post('/api/v1/sessions', {consumer_id: 'held', offer_id: offer.id, workload_type: 'batch', reservation_hours: 1})).json().session.id
    const again = await post('/api/v1/sessions', {consumer_id: 'other', offer_id: offer.id, workload_type: 'batch', reservation_hours: 1})
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({error_type: 'conflict', offer_id: offer.id, session_id: held})
    expect(again.json().error).toContain(`already rented by your session ${held}`)
    // Once that session is released, the refusal is about the market, not about us.
    await post(`/api/v1/sessions/${held}/done`, undefined)
    await pollUntil(async () => ((await get(`/api/v1/sessions/${held}`)).json().status === 'stopped' ? true : undefined), 'the held session to stop')
    expect((await post('/api/v1/sessions', {consumer_id: 'other', offer_id: offer.id, workload_type: 'batch', reservation_hours: 1})).statusCode).not.toBe(409)
  })

  it('exports the ledger as CSV whose amounts add up to the cost totals', async () => {
    const res = await get('/api/v1/costs/export?format=csv&consumer_id=my-app')
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    const [header, ...rows] = res.body.trim().split('\r\n')
    expect(header).toBe('session_id,consumer_id,provider,gpu_type,period_start,period_end,seconds,price_per_hour_usd,amount_usd,amount_micro_usd,component')
    const total = rows.reduce((sum, line) => sum + Number(line.split(',').at(-2)), 0)
    expect(total).toBe((await get('/api/v1/costs?consumer_id=my-app')).json().total_cost_micro_usd)
  })

  it('publishes an OpenAPI document and Prometheus metrics', async () => {
    const spec = (await get('/api/v1/openapi.json')).json()
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/inventory', '/api/v1/sessions', '/api/v1/sessions/{id}', '/api/v1/costs']))
    const metrics = await get('/metrics')
    expect(metrics.statusCode).toBe(200)
    expect(metrics.body).toContain('gpu_shopper_sessions{provider="vastai",status="stopped"}')
    expect(metrics.body).toContain('gpu_shopper_provider_call_seconds_count{provider="vastai",method="createInstance",outcome="ok"}')
    for (const name of ['gpu_shopper_unverified_destroys 0', 'gpu_shopper_orphans 0', 'gpu_shopper_ghosts_stopped 0', 'gpu_shopper_inventory_age_seconds{provider="tensordock"}']) {
      expect(metrics.body).toContain(name)
    }
  })
})
