import type {ServerResponse} from 'node:http'

import {afterEach, describe, expect, it} from 'vitest'

import {json, startTestServer} from '../../../test/support/http-server.js'
import {createApiClient} from '../../client/api-client.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {followSession} from './follow-session.js'

type Server = Awaited<ReturnType<typeof startTestServer>>
let server: Server | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

/** A session whose status the test moves, served as the daemon would, with or without SSE. */
function fakeSessionServer(options: {sse: boolean}) {
  const state = {status: 'pending' as SessionDto['status'], failure: null as string | null, events: [] as object[], streams: new Set<ServerResponse>()}
  const move = (to: SessionDto['status'], failure: string | null = null) => {
    const event = {id: state.events.length + 1, session_id: 's1', at: new Date().toISOString(), type: 'status', from_status: state.status, to_status: to, actor: 'test', message: `now ${to}`}
    state.status = to
    state.failure = failure
    state.events.push(event)
    for (const res of state.streams) res.write(`id: ${event.id}\nevent: session-event\ndata: ${JSON.stringify(event)}\n\n`)
  }
  const handler = (req: {url?: string; headers: Record<string, unknown>}, res: ServerResponse) => {
    if (req.url?.startsWith('/api/v1/sessions/s1/events')) {
      if (req.url.includes('after=') || !options.sse) return json(res, 200, {events: state.events, count: state.events.length})
      res.writeHead(200, {'content-type': 'text/event-stream'})
      const after = Number(req.headers['last-event-id'] ?? 0)
      for (const e of state.events as Array<{id: number}>) if (e.id > after) res.write(`id: ${e.id}\nevent: session-event\ndata: ${JSON.stringify(e)}\n\n`)
      state.streams.add(res)
      res.on('close', () => state.streams.delete(res))
      return
    }
    json(res, 200, {id: 's1', status: state.status, failure_reason: state.failure})
  }
  return {state, move, handler}
}

describe('followSession', () => {
  it('follows the event stream until the session runs, narrating new events', async () => {
    const fake = fakeSessionServer({sse: true})
    server = await startTestServer(fake.handler)
    const client = createApiClient({baseUrl: server.url})
    setTimeout(() => fake.move('provisioning'), 200)
    setTimeout(() => fake.move('running'), 300)
    const seen: string[] = []

    const outcome = await followSession(client, 's1', {until: ['running'], timeoutMs: 5_000, recheckMs: 10_000, onEvent: (e) => seen.push(e.message)})

    expect(outcome).toMatchObject({kind: 'reached', session: {status: 'running'}})
    expect(seen).toEqual(['now provisioning', 'now running'])
  })

  it('falls back to polling when the server has no stream, and reports a failure as ended', async () => {
    const fake = fakeSessionServer({sse: false})
    server = await startTestServer(fake.handler)
    setTimeout(() => fake.move('failed', 'stale_inventory: offer gone'), 100)

    const outcome = await followSession(createApiClient({baseUrl: server.url}), 's1', {until: ['running'], timeoutMs: 5_000, recheckMs: 50})

    expect(outcome).toMatchObject({kind: 'ended', session: {status: 'failed', failure_reason: 'stale_inventory: offer gone'}})
  })

  it('gives up at the deadline without touching the session', async () => {
    const fake = fakeSessionServer({sse: true})
    server = await startTestServer(fake.handler)
    const started = Date.now()

    const outcome = await followSession(createApiClient({baseUrl: server.url}), 's1', {until: ['running'], timeoutMs: 300})

    expect(outcome.kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(server.requests.every((r) => r.method === 'GET')).toBe(true)
  })

  it('stops at once on Ctrl-C (abort) and says so', async () => {
    const fake = fakeSessionServer({sse: true})
    server = await startTestServer(fake.handler)
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)

    const outcome = await followSession(createApiClient({baseUrl: server.url}), 's1', {until: ['running'], timeoutMs: 10_000, signal: controller.signal})

    expect(outcome).toMatchObject({kind: 'interrupted', session: {status: 'pending'}})
  })

  it('leaves out events from before the call unless asked for the history', async () => {
    const fake = fakeSessionServer({sse: true})
    fake.move('provisioning')
    server = await startTestServer(fake.handler)
    setTimeout(() => fake.move('running'), 100)
    const seen: string[] = []

    await followSession(createApiClient({baseUrl: server.url}), 's1', {until: ['running'], timeoutMs: 5_000, onEvent: (e) => seen.push(e.message)})

    expect(seen).toEqual(['now running'])
  })
})
