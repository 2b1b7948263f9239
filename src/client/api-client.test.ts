import {createServer} from 'node:net'

import {afterEach, describe, expect, it} from 'vitest'

import {createApiClient} from './api-client.js'
import {ApiError, DaemonUnreachableError, StreamUnavailableError} from './errors.js'
import {json, startTestServer} from '../../test/support/http-server.js'

type Server = Awaited<ReturnType<typeof startTestServer>>
let server: Server | undefined

afterEach(async () => {
  await server?.close()
  server = undefined
})

const event = (id: number, to: string) => ({id, session_id: 's1', at: '2026-01-01T00:00:00Z', type: 'status', from_status: null, to_status: to, actor: 'test', message: `to ${to}`})

describe('createApiClient', () => {
  it('sends the bearer token, snake_case query parameters and skips empty ones', async () => {
    server = await startTestServer((_req, res) => json(res, 200, {offers: [], count: 0, total: 0, stale_providers: [], simulated: true}))
    const client = createApiClient({baseUrl: `${server.url}/`, token: 't0k'})

    const reply = await client.inventory.list({gpu_type: 'RTX 4090', max_price: 0.5, provider: undefined, location: ''})

    expect(reply.simulated).toBe(true)
    const [request] = server.requests
    expect(request?.headers.authorization).toBe('Bearer t0k')
    expect(request?.url).toBe('/api/v1/inventory?gpu_type=RTX+4090&max_price=0.5')
  })

  it('sends the idempotency key as X-Idempotency-Key with the JSON body on create', async () => {
    server = await startTestServer((_req, res) => json(res, 201, {session: {id: 's1'}}))
    const client = createApiClient({baseUrl: server.url})

    await client.sessions.create({consumer_id: 'me', offer_id: 'vastai-1', workload_type: 'llm', reservation_hours: 2}, {idempotencyKey: 'k-1'})

    const [request] = server.requests
    expect(request?.method).toBe('POST')
    expect(request?.headers['x-idempotency-key']).toBe('k-1')
    expect(request?.headers['content-type']).toBe('application/json')
    expect(JSON.parse(request?.body ?? '')).toMatchObject({offer_id: 'vastai-1', reservation_hours: 2})
    expect(request?.headers.authorization).toBeUndefined()
  })

  it('posts an allocation with X-Idempotency-Key and releases it with an optional key', async () => {
    server = await startTestServer((req, res) => json(res, req.url === '/api/v1/allocations' ? 201 : 200, {id: 'sess-1', status: 'requested'}))
    const client = createApiClient({baseUrl: server.url})

    const created = await client.allocations.create({sku: 'rtx-4090', gpus_total: 1, region_code: 'US'}, {idempotencyKey: 'qs-001'})
    await client.allocations.release('sess-1', {idempotencyKey: 'rel-1'})
    await client.allocations.release('sess-1')

    expect(created.id).toBe('sess-1')
    const [create, release, bare] = server.requests
    expect(create).toMatchObject({method: 'POST', url: '/api/v1/allocations'})
    expect(create?.headers['x-idempotency-key']).toBe('qs-001')
    expect(JSON.parse(create?.body ?? '')).toEqual({sku: 'rtx-4090', gpus_total: 1, region_code: 'US'})
    expect(release).toMatchObject({method: 'POST', url: '/api/v1/allocations/sess-1/release'})
    expect(release?.headers['x-idempotency-key']).toBe('rel-1')
    expect(bare?.headers['x-idempotency-key']).toBeUndefined()
  })

  it('reads the catalog, price history and allocations with their query parameters', async () => {
    server = await startTestServer((_req, res) => json(res, 200, {}))
    const client = createApiClient({baseUrl: server.url})

    await client.catalog.list({region: 'US', gpu_type: undefined})
    await client.inventory.history({gpu_type: 'RTX 4090', since: '2026-01-01', limit: 10})
    await client.allocations.list({consumer_id: 'me', status: 'active'})
    await client.allocations.get('a/b')

    expect(server.requests.map((r) => r.url)).toEqual([
      '/api/v1/catalog?region=US',
      '/api/v1/inventory/history?gpu_type=RTX+4090&since=2026-01-01&limit=10',
      '/api/v1/allocations?consumer_id=me&status=active',
      '/api/v1/allocations/a%2Fb',
    ])
  })

  it('reconciles with a dry-run body and manages budgets under the consumer\'s path', async () => {
    server = await startTestServer((_req, res) => json(res, 200, {}))
    const client = createApiClient({baseUrl: server.url})

    await client.reconcile({dry_run: true})
    await client.reconcile()
    await client.budgets.set('team a', {monthly_limit: 250, alert_threshold: 0.9, on_limit: 'alert'})
    await client.budgets.get('team a')
    await client.budgets.remove('team a')
    await client.budgets.list()

    expect(server.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'POST /api/v1/reconcile {"dry_run":true}',
      'POST /api/v1/reconcile {}',
      'PUT /api/v1/consumers/team%20a/budget {"monthly_limit":250,"alert_threshold":0.9,"on_limit":"alert"}',
      'GET /api/v1/consumers/team%20a/budget ',
      'DELETE /api/v1/consumers/team%20a/budget ',
      'GET /api/v1/budgets ',
    ])
  })

  it('exports the ledger as text, and still reads a JSON error from the export route', async () => {
    const csv = 'session_id,amount_micro_usd\r\ns1,5\r\n'
    server = await startTestServer((req, res) => {
      if (req.url?.includes('session_id=missing')) return json(res, 400, {error: 'bad date', error_type: 'validation_error', field: 'start_date'})
      res.writeHead(200, {'content-type': 'text/csv; charset=utf-8'})
      res.end(csv)
    })
    const client = createApiClient({baseUrl: server.url})

    const text = await client.costs.exportCsv({consumer_id: 'me', start_date: '2026-01-01', session_id: undefined})
    const err = await client.costs.exportCsv({session_id: 'missing'}).catch((e: unknown) => e)

    expect(text).toBe(csv)
    expect(server.requests[0]?.url).toBe('/api/v1/costs/export?consumer_id=me&start_date=2026-01-01&format=csv')
    expect(server.requests[0]?.headers.accept).toBe('text/csv')
    expect(err).toMatchObject({status: 400, errorType: 'validation_error', details: {field: 'start_date'}})
  })

  it('sends X-Idempotency-Key on done and shutdown only when a key is given', async () => {
    server = await startTestServer((_req, res) => json(res, 200, {message: 'ok', session_id: 's1', simulated: true}))
    const client = createApiClient({baseUrl: server.url})

    await client.sessions.done('s1', {idempotencyKey: 'done-1'})
    await client.sessions.shutdown('s1', {idempotencyKey: 'kill-1'})
    await client.sessions.shutdown('s1')

    const [done, shutdown, bare] = server.requests
    expect(done).toMatchObject({method: 'POST', url: '/api/v1/sessions/s1/done'})
    expect(done?.headers['x-idempotency-key']).toBe('done-1')
    expect(shutdown).toMatchObject({method: 'DELETE', url: '/api/v1/sessions/s1'})
    expect(shutdown?.headers['x-idempotency-key']).toBe('kill-1')
    expect(bare?.headers['x-idempotency-key']).toBeUndefined()
  })

  it('turns an error body into an ApiError with status, type, request id, details and Retry-After', async () => {
    server = await startTestServer((_req, res) =>
      json(res, 503, {error: 'offer gone', error_type: 'stale_inventory', request_id: 'req-9', retry_suggested: true}, {'retry-after': '3'}),
    )
    const client = createApiClient({baseUrl: server.url})

    const err = await client.sessions.get('s1').catch((e: unknown) => e)

    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({status: 503, errorType: 'stale_inventory', requestId: 'req-9', message: 'offer gone', retryAfterSeconds: 3, details: {retry_suggested: true}})
  })

  it('still gives an ApiError when the error body is not JSON', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(502, {'content-type': 'text/html'})
      res.end('<h1>Bad Gateway</h1>')
    })
    const err = await createApiClient({baseUrl: server.url}).health().catch((e: unknown) => e)
    expect(err).toMatchObject({status: 502, errorType: 'provider_error'})
    expect((err as Error).message).toContain('Bad Gateway')
  })

  it('reports a refused connection as "daemon not running" with the fix', async () => {
    // Given a port nobody listens on
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
    const port = (probe.address() as {port: number}).port
    await new Promise((resolve) => probe.close(resolve))

    const err = await createApiClient({baseUrl: `http://127.0.0.1:${port}`}).sessions.list().catch((e: unknown) => e)

    expect(err).toBeInstanceOf(DaemonUnreachableError)
    expect(err).toMatchObject({reason: 'refused', maybeDelivered: false})
    expect((err as DaemonUnreachableError).message).toContain('not running')
    expect((err as DaemonUnreachableError).fix).toContain('gpu-shopper daemon start')
  })

  it('reports a server that never answers as a timeout', async () => {
    server = await startTestServer(() => {})
    const err = await createApiClient({baseUrl: server.url, timeoutMs: 200}).sessions.done('s1').catch((e: unknown) => e)
    expect(err).toMatchObject({name: 'DaemonUnreachableError', reason: 'timeout', maybeDelivered: true})
  })

  it('asks for the JSON event list with ?after=', async () => {
    server = await startTestServer((_req, res) => json(res, 200, {events: [event(4, 'running')], count: 1}))
    const reply = await createApiClient({baseUrl: server.url}).sessions.events('s1', 3)
    expect(server.requests[0]?.url).toBe('/api/v1/sessions/s1/events?after=3')
    expect(reply.events[0]?.id).toBe(4)
  })
})

describe('sessions.streamEvents', () => {
  it('yields session events from a real SSE stream, skipping comments and other event types', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'})
      res.write(': connected\n\n')
      res.write(`id: 1\nevent: session-event\ndata: ${JSON.stringify(event(1, 'provisioning'))}\n\n`)
      res.write('event: ping\ndata: {}\n\n')
      setTimeout(() => res.end(`id: 2\nevent: session-event\ndata: ${JSON.stringify(event(2, 'running'))}\n\n`), 20)
    })
    const client = createApiClient({baseUrl: server.url, token: 'x'})

    const seen: string[] = []
    for await (const e of client.sessions.streamEvents('s1', {lastEventId: 0})) seen.push(e.to_status ?? '')

    expect(seen).toEqual(['provisioning', 'running'])
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream')
    expect(server.requests[0]?.headers['last-event-id']).toBe('0')
  })

  it('stops promptly when the caller aborts, with an AbortError', async () => {
    server = await startTestServer((_req, res) => {
      res.writeHead(200, {'content-type': 'text/event-stream'})
      res.write(`data: ${JSON.stringify(event(1, 'pending'))}\n\n`)
    })
    const controller = new AbortController()
    const started = Date.now()
    const run = (async () => {
      for await (const _e of createApiClient({baseUrl: server!.url}).sessions.streamEvents('s1', {signal: controller.signal})) controller.abort()
    })()
    await expect(run).rejects.toMatchObject({name: 'AbortError'})
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('says the stream is unavailable when the server answers with JSON instead', async () => {
    server = await startTestServer((_req, res) => json(res, 200, {events: [], count: 0}))
    const run = (async () => {
      for await (const _e of createApiClient({baseUrl: server!.url}).sessions.streamEvents('s1')) void _e
    })()
    await expect(run).rejects.toBeInstanceOf(StreamUnavailableError)
  })
})
