import {connect, type Socket} from 'node:net'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pollUntil} from '../test/support/poll.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

/**
 * Clients that never finish sending are cut off; streams that were received whole run on.
 * Short limits here; the defaults only scale them (DEFAULT_HTTP_LIMITS).
 */
describe('HTTP limits', () => {
  let test: TestDaemon
  let host: string
  let port: number
  const limits = {headersTimeoutMs: 1_000, requestTimeoutMs: 1_500, idleTimeoutMs: 30_000, checkIntervalMs: 250, maxConnections: 20}

  beforeAll(async () => {
    test = await startTestDaemon('http-limits', {httpLimits: limits})
    host = new URL(test.daemon.url).host
    port = Number(new URL(test.daemon.url).port)
  })
  afterAll(async () => test?.close())

  /** A raw connection that records what the server sends and when it hangs up. */
  async function open(): Promise<{socket: Socket; received: () => string; closedAt: () => number | null}> {
    const socket = connect(port, '127.0.0.1')
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    let text = ''
    let closedAt: number | null = null
    socket.setEncoding('utf8').on('data', (d: string) => (text += d))
    socket.on('close', () => (closedAt = Date.now()))
    socket.on('error', () => undefined)
    return {socket, received: () => text, closedAt: () => closedAt}
  }

  /** Writes one byte every 200 ms until the server hangs up or `forMs` passed. */
  async function drip(socket: Socket, forMs: number): Promise<void> {
    const until = Date.now() + forMs
    while (!socket.destroyed && Date.now() < until) {
      socket.write('x')
      await new Promise((r) => setTimeout(r, 200))
    }
  }

  it('answers an unauthenticated request dripping its body, then cuts it off', async () => {
    const started = Date.now()
    const conn = await open()
    conn.socket.write(`POST /api/v1/sessions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`)
    await drip(conn.socket, 10_000)
    const closed = await pollUntil(() => conn.closedAt() ?? undefined, 'the server to hang up', 5_000)
    expect(closed - started).toBeLessThan(limits.requestTimeoutMs + 2_000)
    expect(conn.received()).toMatch(/^HTTP\/1\.1 401 /)
  })

  it('cuts off headers dripped byte by byte', async () => {
    const started = Date.now()
    const conn = await open()
    conn.socket.write(`GET /health HTTP/1.1\r\nHost: ${host}\r\nX-Slow: `)
    await drip(conn.socket, 10_000)
    const closed = await pollUntil(() => conn.closedAt() ?? undefined, 'the server to hang up', 5_000)
    expect(closed - started).toBeLessThan(limits.requestTimeoutMs + 2_000)
    const reply = conn.received()
    expect(reply).toMatch(/^HTTP\/1\.1 408 /)
    const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))
    expect(body).toMatchObject({error_type: 'request_timeout'})
    expect(body.request_id).toMatch(/^req-/)
  })

  it('keeps a --watch event stream open well past the request timeout', async () => {
    const offer = (await test.daemon.app.inject({method: 'GET', url: '/api/v1/inventory?sort=price&limit=1', headers: {authorization: `Bearer ${test.daemon.token}`}})).json()
      .offers[0]
    const created = await test.daemon.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: {authorization: `Bearer ${test.daemon.token}`},
      payload: {consumer_id: 'tests', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1},
    })
    const id = created.json().session.id
    const conn = await open()
    conn.socket.write(`GET /api/v1/sessions/${id}/events HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${test.daemon.token}\r\nAccept: text/event-stream\r\n\r\n`)
    await pollUntil(() => (conn.received().includes('event: session-event') ? true : undefined), 'the first event')
    // Three request timeouts later the stream is still there.
    await new Promise((r) => setTimeout(r, 3 * limits.requestTimeoutMs))
    expect(conn.closedAt()).toBeNull()
    expect(conn.received()).toMatch(/^HTTP\/1\.1 200 /)
    conn.socket.destroy()
    await test.daemon.app.inject({method: 'POST', url: `/api/v1/sessions/${id}/done`, headers: {authorization: `Bearer ${test.daemon.token}`}})
  })

  it('refuses connections beyond the cap and serves again once they go', async () => {
    const held = await Promise.all(Array.from({length: limits.maxConnections}, () => open()))
    const extra = await open()
    await pollUntil(() => extra.closedAt() ?? undefined, 'the extra connection to be dropped', 5_000)
    for (const conn of held) conn.socket.destroy()
    await pollUntil(async () => ((await fetch(`${test.daemon.url}/health`)).status === 200 ? true : undefined), 'the daemon to serve again')
  })
})
