import {afterEach, describe, expect, it, vi} from 'vitest'

import {json, startTestServer} from '../../test/support/http-server.js'
import {createApiClient} from './api-client.js'
import {ApiError} from './errors.js'
import type {HttpFetch, HttpRequestInit, HttpResponse} from './http-transport.js'
import type {ClientNotice} from './rate-limit-retry.js'

const SERVER = 'https://gpu.example.com'
// 2026-12-03T12:00:00Z
const NOW = Date.UTC(2026, 11, 3, 12, 0, 0)

function reply(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = JSON.stringify(body)
  const lower = Object.fromEntries(Object.entries({'content-type': 'application/json', ...headers}).map(([k, v]) => [k.toLowerCase(), v]))
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: status === 429 ? 'Too Many Requests' : 'OK',
    headers: {get: (name) => lower[name.toLowerCase()] ?? null, has: (name) => name.toLowerCase() in lower},
    text: async () => text,
    json: async () => body,
    body: Object.assign((async function* () {})(), {cancel: async () => {}}),
  }
}

const limited = (retryAfter?: string) =>
  reply(429, {error: 'rate limit exceeded', error_type: 'rate_limit_exceeded', request_id: 'req-1', retry_after: 1}, retryAfter === undefined ? {} : {'Retry-After': retryAfter})

/** A fetch that answers from a script, one reply per call (the last one repeats), and a clock that moves only when the client sleeps. */
function harness(script: HttpResponse[]) {
  const calls: Array<{url: string; init: HttpRequestInit}> = []
  const fetch: HttpFetch = async (url, init = {}) => {
    calls.push({url: String(url), init})
    return script[Math.min(calls.length - 1, script.length - 1)]!
  }
  let now = NOW
  const sleeps: number[] = []
  const notices: ClientNotice[] = []
  const client = createApiClient({
    baseUrl: SERVER,
    token: 'tok',
    fetch,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
    },
    notice: (notice) => notices.push(notice),
  })
  return {client, calls, sleeps, notices}
}

describe('waiting out a 429', () => {
  it('replays after Retry-After seconds, saying so each time, and returns the reply', async () => {
    // Given a server that refuses twice with Retry-After: 2, then answers
    const h = harness([limited('2'), limited('2'), reply(200, {sessions: [], count: 0, total: 0, simulated: false})])

    // When the sessions are listed
    const listed = await h.client.sessions.list()

    // Then the client waited 2 s twice, told the user each time, and got the list
    expect(listed.count).toBe(0)
    expect(h.calls).toHaveLength(3)
    expect(h.sleeps).toEqual([2000, 2000])
    expect(h.notices.map((n) => n.text)).toEqual([
      `rate limited by ${SERVER}; retrying in 2 s (1/3)`,
      `rate limited by ${SERVER}; retrying in 2 s (2/3)`,
    ])
  })

  it('reads Retry-After as an HTTP date against its clock', async () => {
    const at = new Date(NOW + 5_000).toUTCString()
    const h = harness([limited(at), reply(200, {status: 'ok'})])

    await h.client.health()

    expect(h.sleeps).toEqual([5000])
    expect(h.notices[0]?.text).toBe(`rate limited by ${SERVER}; retrying in 5 s (1/3)`)
  })

  it('replays a POST as it was sent: same body, same idempotency key', async () => {
    const h = harness([limited('1'), reply(201, {session: {id: 's1'}})])

    await h.client.sessions.create({consumer_id: 'me', offer_id: 'vastai-1', workload_type: 'llm', reservation_hours: 2}, {idempotencyKey: 'k-1'})

    const [first, second] = h.calls
    expect(second?.init.method).toBe('POST')
    expect(second?.init.body).toBe(first?.init.body)
    expect(second?.init.headers?.['x-idempotency-key']).toBe('k-1')
    expect(second?.init.headers?.authorization).toBe('Bearer tok')
  })

  it('stops after three retries with an error that says the limit was hit and when to try again', async () => {
    // Given a server that keeps refusing
    const h = harness([limited('1')])

    // When a session is asked for
    const err = await h.client.sessions.get('s1').catch((e: unknown) => e)

    // Then it was tried four times, and the error says what happened and when to try again
    expect(h.calls).toHaveLength(4)
    expect(h.sleeps).toEqual([1000, 1000, 1000])
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({status: 429, errorType: 'rate_limit_exceeded', requestId: 'req-1', retryAfterSeconds: 1})
    expect((err as ApiError).message).toBe(`${SERVER} refused the request: its rate limit for your user was hit (still after 3 retries). The request was not carried out.`)
    expect((err as ApiError).fix).toMatch(/^Try again in 1 s \(after 12:00:04 UTC\)/)
  })

  it('never waits more than 30 s in all: a longer wait is handed back to the user', async () => {
    // Given a server that asks for 20 s each time
    const h = harness([limited('20')])

    const err = (await h.client.health().catch((e: unknown) => e)) as ApiError

    // Then it waits once (a second 20 s would pass 30 s) and says when to try again
    expect(h.sleeps).toEqual([20_000])
    expect(h.notices).toHaveLength(1)
    expect(err.message).toContain('(still after 1 retry)')
    expect(err.fix).toMatch(/^Try again in 20 s \(after 12:00:40 UTC\)/)
  })

  it('does not wait at all when the server asks for longer than the budget', async () => {
    const h = harness([limited('120')])

    const err = (await h.client.health().catch((e: unknown) => e)) as ApiError

    expect(h.calls).toHaveLength(1)
    expect(h.sleeps).toEqual([])
    expect(h.notices).toEqual([])
    expect(err.message).toBe(`${SERVER} refused the request: its rate limit for your user was hit. The request was not carried out.`)
    expect(err.retryAfterSeconds).toBe(120)
  })

  it('backs off 1, 2, 4 s when the server gives no Retry-After', async () => {
    const h = harness([limited()])

    await h.client.health().catch(() => {})

    expect(h.sleeps).toEqual([1000, 2000, 4000])
  })

  it('stops waiting when the caller aborts, without another request', async () => {
    const calls: string[] = []
    const controller = new AbortController()
    const client = createApiClient({
      baseUrl: SERVER,
      fetch: async (url) => {
        calls.push(String(url))
        return limited('10')
      },
      notice: () => {},
      sleep: async (_ms, signal) => {
        controller.abort()
        signal?.throwIfAborted()
      },
    })

    await expect(client.health({signal: controller.signal})).rejects.toMatchObject({name: 'AbortError'})
    expect(calls).toHaveLength(1)
  })

  it('says it on stderr unless told otherwise, and withNotices redirects it', async () => {
    const writes: string[] = []
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk))
      return true
    })
    try {
      let calls = 0
      const options = {
        baseUrl: SERVER,
        fetch: (async () => (calls++ % 2 === 0 ? limited('1') : reply(200, {status: 'ok'}))) as HttpFetch,
        sleep: async () => {},
      }
      await createApiClient(options).health()
      const seen: string[] = []
      await createApiClient(options)
        .withNotices((n) => seen.push(n.text))
        .health()

      expect(writes).toEqual([`rate limited by ${SERVER}; retrying in 1 s (1/3)\n`])
      expect(seen).toEqual([`rate limited by ${SERVER}; retrying in 1 s (1/3)`])
    } finally {
      spy.mockRestore()
    }
  })

  it('reads an HTTP-date Retry-After on other errors as whole seconds', async () => {
    const h = harness([reply(503, {error: 'starting', error_type: 'service_unavailable'}, {'Retry-After': new Date(NOW + 2_500).toUTCString()})])

    const err = (await h.client.health().catch((e: unknown) => e)) as ApiError

    // HTTP dates have whole seconds: 12:00:02 is 2 s away
    expect(err.retryAfterSeconds).toBe(2)
  })
})

describe('waiting out a 429 on an event stream', () => {
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined
  afterEach(async () => {
    await server?.close()
    server = undefined
  })

  it('replays the connect, then streams', async () => {
    // Given a real server that refuses the first connect
    let connects = 0
    server = await startTestServer((_req, res) => {
      if (connects++ === 0) return json(res, 429, {error: 'slow down', error_type: 'rate_limit_exceeded'}, {'Retry-After': '1'})
      res.writeHead(200, {'content-type': 'text/event-stream'})
      const event = {id: 1, session_id: 's1', at: '2026-01-01T00:00:00Z', type: 'status', from_status: null, to_status: 'running', actor: 'test', message: 'to running'}
      res.end(`id: 1\nevent: session-event\ndata: ${JSON.stringify(event)}\n\n`)
    })
    const notices: string[] = []
    const sleeps: number[] = []
    const client = createApiClient({baseUrl: server.url, notice: (n) => notices.push(n.text), sleep: async (ms) => void sleeps.push(ms)})

    // When its events are followed
    const seen: string[] = []
    for await (const e of client.sessions.streamEvents('s1', {lastEventId: 0})) seen.push(e.to_status ?? '')

    // Then the connect was replayed once and the stream read
    expect(seen).toEqual(['running'])
    expect(sleeps).toEqual([1000])
    expect(notices).toEqual([`rate limited by ${server.url}; retrying in 1 s (1/3)`])
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual(['0', '0'])
  })
})
