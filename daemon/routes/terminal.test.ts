import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {Writable} from 'node:stream'

import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import pino from 'pino'
import {serializerCompiler, validatorCompiler} from 'fastify-type-provider-zod'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ManualClock} from '../../src/core/clock.js'
import {createLogger} from '../../src/log/logger.js'
import {pollUntil} from '../../test/support/poll.js'
import {openTerminalClient} from '../../test/support/terminal-client.js'
import {installAuth} from '../auth.js'
import {installErrorHandling} from '../error-handler.js'
import {startDaemon, type RunningDaemon} from '../server.js'
import {BAD_TOKEN_REASON, TERMINAL_CLOSE} from '../terminal/close-codes.js'
import {TerminalTokens} from '../../src/services/terminal-tokens.js'
import {terminalRoutes} from './terminal.js'

/** Every log line of the daemon, the service logger's and Fastify's request log alike. */
class LogSink extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8')
    done()
  }
}

describe('browser terminal: tokens, page and WebSocket relay', () => {
  let daemon: RunningDaemon
  let home: string
  let host: string
  const log = new LogSink()
  const auth = () => ({authorization: `Bearer ${daemon.token}`, host})
  const post = (url: string, headers: Record<string, string> = auth()) => daemon.app.inject({method: 'POST', url, headers})
  const mint = async (sessionId: string) => {
    const res = await post(`/api/v1/sessions/${sessionId}/terminal-token`)
    expect(res.statusCode).toBe(200)
    return res.json() as {token: string; ws_url: string; page_url: string; expires_in: number; session_id: string}
  }

  /** A different offer each time: a rented one stays in the cached inventory until the next refresh. */
  let offersTaken = 0
  async function runningSession(consumer: string): Promise<string> {
    const offers = await daemon.app.inject({method: 'GET', url: '/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=10', headers: auth()})
    const offer = offers.json().offers[offersTaken++] as {id: string}
    const created = await daemon.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: auth(),
      payload: {consumer_id: consumer, offer_id: offer.id, workload_type: 'llm', reservation_hours: 1},
    })
    expect(created.statusCode).toBe(201)
    const id = created.json().session.id as string
    await pollUntil(async () => {
      const s = (await daemon.app.inject({method: 'GET', url: `/api/v1/sessions/${id}`, headers: auth()})).json()
      if (s.status === 'failed') throw new Error(s.failure_reason)
      return s.status === 'running' ? s : undefined
    }, `session ${id} running`)
    return id
  }

  let sessionId: string

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-terminal-'))
    daemon = await startDaemon({
      port: 0,
      simulate: true,
      env: {GPU_SHOPPER_HOME: home},
      writeState: false,
      timings: {pollIntervalMs: 50},
      logger: createLogger({level: 'info', destination: log}),
    })
    // Fastify's request logger writes to stdout by itself; point it at the sink to read it back.
    ;(daemon.app.log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = log
    host = new URL(daemon.url).host
    sessionId = await runningSession('term')
  })
  afterAll(async () => {
    await daemon?.close()
    rmSync(home, {recursive: true, force: true})
  })

  it('mints a single-use token with the WebSocket and page URLs of this daemon', async () => {
    const res = await post(`/api/v1/sessions/${sessionId}/terminal-token`)
    expect(res.statusCode).toBe(200)
    expect(res.headers['cache-control']).toBe('no-store')
    const body = res.json()
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(body).toEqual({
      token: body.token,
      ws_url: `ws://${host}/api/v1/terminal/ws?token=${body.token}`,
      page_url: `http://${host}/terminal?token=${body.token}`,
      expires_in: 60,
      session_id: sessionId,
    })
    const viaAllocation = await post(`/api/v1/allocations/${sessionId}/terminal-token`)
    expect(viaAllocation.statusCode).toBe(200)
    expect(viaAllocation.json().token).not.toBe(body.token)
  })

  it('needs the bearer token to mint, and says so', async () => {
    const res = await post(`/api/v1/sessions/${sessionId}/terminal-token`, {host})
    expect(res.statusCode).toBe(401)
    expect(res.json().error_type).toBe('unauthorized')
  })

  it('answers 404 for a session or allocation that does not exist', async () => {
    for (const noun of ['sessions', 'allocations']) {
      const res = await post(`/api/v1/${noun}/sess-000000000000/terminal-token`)
      expect(res.statusCode).toBe(404)
      expect(res.json()).toMatchObject({error_type: 'not_found', session_id: 'sess-000000000000'})
    }
  })

  it('refuses a session that is not running with 409, its state and what to do', async () => {
    // Given a session that was released
    const offers = await daemon.app.inject({method: 'GET', url: '/api/v1/inventory?gpu_type=RTX%203090&sort=price&limit=1', headers: auth()})
    const created = await daemon.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: auth(),
      payload: {consumer_id: 'term-gone', offer_id: offers.json().offers[0].id, workload_type: 'batch', reservation_hours: 1},
    })
    const id = created.json().session.id as string
    await post(`/api/v1/sessions/${id}/done`)
    const status = (await daemon.app.inject({method: 'GET', url: `/api/v1/sessions/${id}`, headers: auth()})).json().status
    expect(['stopping', 'stopped']).toContain(status)
    // When a terminal is asked for
    const res = await post(`/api/v1/sessions/${id}/terminal-token`)
    // Then it is a conflict that names the state and the way out
    expect(res.statusCode).toBe(409)
    expect(res.json()).toMatchObject({error_type: 'conflict', session_id: id})
    expect(res.json().error).toMatch(new RegExp(`^session ${id} is (stopping|stopped): .*create a new session$`))
    const alloc = await post(`/api/v1/allocations/${id}/terminal-token`)
    expect(alloc.statusCode).toBe(409)
    expect(alloc.json().error).toMatch(new RegExp(`^allocation ${id} is (releasing|released): .*create a new allocation$`))
  })

  it('serves the page and the bundled xterm.js without a bearer token, but only to loopback Host names', async () => {
    const page = await daemon.app.inject({method: 'GET', url: '/terminal?token=abc', headers: {host}})
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['referrer-policy']).toBe('no-referrer')
    for (const asset of ['xterm.js', 'addon-fit.js', 'terminal-page.js']) expect(page.body).toContain(`/terminal/assets/${asset}`)
    expect(page.body).not.toMatch(/https?:\/\//)

    const xterm = await daemon.app.inject({method: 'GET', url: '/terminal/assets/xterm.js', headers: {host}})
    expect(xterm.statusCode).toBe(200)
    expect(xterm.headers['content-type']).toMatch(/^text\/javascript/)
    expect(xterm.body.length).toBeGreaterThan(100_000)
    const css = await daemon.app.inject({method: 'GET', url: '/terminal/assets/xterm.css', headers: {host}})
    expect(css.headers['content-type']).toMatch(/^text\/css/)
    expect((await daemon.app.inject({method: 'GET', url: '/terminal/assets/package.json', headers: {host}})).statusCode).toBe(404)
    expect((await daemon.app.inject({method: 'GET', url: '/terminal/assets/..%2F..%2Fpackage.json', headers: {host}})).statusCode).toBe(404)
    // The asset prefix opens no other door.
    expect((await daemon.app.inject({method: 'GET', url: '/terminal/assets/../../api/v1/sessions', headers: {host}})).statusCode).not.toBe(200)

    expect((await daemon.app.inject({method: 'GET', url: '/terminal?token=abc', headers: {host: 'evil.example'}})).statusCode).toBe(403)
    expect((await daemon.app.inject({method: 'GET', url: '/api/v1/terminal/ws?token=abc', headers: {host: 'evil.example'}})).statusCode).toBe(403)
  })

  it('relays a PTY shell both ways: echo hello comes back, resize and exit work', async () => {
    // Given a fresh token
    const {ws_url} = await mint(sessionId)
    // When the WebSocket opens and a command is typed
    const term = openTerminalClient(ws_url)
    await term.waitFor(/root@[^\s]+:~# $/, 'the prompt')
    term.send('{"type":"resize","cols":132,"rows":40}')
    term.send('echo hello\r')
    // Then the shell echoes the keystrokes and prints hello on its own line
    await term.waitFor('echo hello\r\nhello\r\n')
    term.send(Buffer.from('exit\r'))
    const closed = await term.closed
    expect(closed).toEqual({code: TERMINAL_CLOSE.normal, reason: 'the shell exited'})
  })

  it('refuses a token the second time with close code 4401 and a reason to show', async () => {
    const {ws_url} = await mint(sessionId)
    const first = openTerminalClient(ws_url)
    await first.waitFor('# ', 'the prompt')
    const second = openTerminalClient(ws_url)
    expect(await second.closed).toEqual({code: 4401, reason: BAD_TOKEN_REASON})
    expect(second.output()).toBe('')
    first.close()
    await first.closed
  })

  it('refuses a made-up or missing token the same way', async () => {
    for (const url of [`ws://${host}/api/v1/terminal/ws?token=AAAA`, `ws://${host}/api/v1/terminal/ws`]) {
      expect(await openTerminalClient(url).closed).toEqual({code: 4401, reason: BAD_TOKEN_REASON})
    }
  })

  it('refuses a page of another origin before spending the token', async () => {
    const {ws_url} = await mint(sessionId)
    const foreign = openTerminalClient(ws_url, {origin: 'http://evil.example'})
    expect((await foreign.closed).code).toBe(TERMINAL_CLOSE.forbiddenOrigin)
    const own = openTerminalClient(ws_url, {origin: `http://${host}`})
    await own.waitFor('# ', 'the prompt')
    own.close()
    await own.closed
  })

  it('survives garbage from the browser, and an oversized frame only closes that socket', async () => {
    const {ws_url} = await mint(sessionId)
    const term = openTerminalClient(ws_url)
    await term.waitFor('# ', 'the prompt')
    term.send(Buffer.from([0xff, 0xfe, 0x00, 0xc3]))
    term.send('{"type":"resize","cols":"x"}')
    term.send('{"type":"resize","cols":-1,"rows":1e12}')
    term.send('{')
    term.send(Buffer.alloc(2 * 1024 * 1024, 0x41))
    expect((await term.closed).code).toBe(1009)
    expect((await daemon.app.inject({method: 'GET', url: '/health', headers: {host}})).statusCode).toBe(200)
    // The daemon still opens terminals afterwards.
    const again = openTerminalClient((await mint(sessionId)).ws_url)
    await again.waitFor('# ', 'the prompt')
    again.close()
    await again.closed
  })

  it('never writes a terminal token to the daemon log', async () => {
    const {token, ws_url, page_url} = await mint(sessionId)
    const page = await daemon.app.inject({method: 'GET', url: new URL(page_url).pathname + new URL(page_url).search, headers: {host}})
    expect(page.statusCode).toBe(200)
    const term = openTerminalClient(ws_url)
    await term.waitFor('# ', 'the prompt')
    term.close()
    await term.closed
    await pollUntil(() => (log.text.includes('browser terminal closed') ? true : undefined), 'the close in the log')
    expect(log.text).toContain('token=[redacted]')
    expect(log.text).toContain('/api/v1/terminal/ws?token=[redacted]')
    expect(log.text).not.toContain(token)
  })

  it('refuses a token used after its 60 s with close code 4401', async () => {
    // Given the terminal routes over this daemon's services, with a clock the test moves
    const clock = new ManualClock(Date.now())
    const app = Fastify()
    app.setValidatorCompiler(validatorCompiler)
    app.setSerializerCompiler(serializerCompiler)
    installErrorHandling(app)
    await app.register(websocket)
    installAuth(app, {auth: {mode: 'static', token: null}, loopbackOnly: true, ctx: daemon.ctx})
    await app.register(terminalRoutes({ctx: daemon.ctx, terminalTokens: new TerminalTokens({store: daemon.ctx.store, clock})}))
    await app.listen({host: '127.0.0.1', port: 0})
    try {
      const minted = await app.inject({method: 'POST', url: `/api/v1/sessions/${sessionId}/terminal-token`, headers: {host: 'localhost'}})
      expect(minted.statusCode).toBe(200)
      const wsUrl = minted.json().ws_url.replace('localhost', `127.0.0.1:${(app.server.address() as {port: number}).port}`)
      // When the clock passes the expiry
      clock.advance(60_001)
      // Then the WebSocket is refused with 4401, and the shell is never reached
      const term = openTerminalClient(wsUrl)
      expect(await term.closed).toEqual({code: 4401, reason: BAD_TOKEN_REASON})
      expect(term.output()).toBe('')
    } finally {
      await app.close()
    }
  })

  it('closes the terminal with 4409 and says why when the session is released under it', async () => {
    const id = await runningSession('term-release')
    const term = openTerminalClient((await mint(id)).ws_url)
    await term.waitFor('# ', 'the prompt')
    await post(`/api/v1/sessions/${id}/done`)
    const closed = await term.closed
    expect(closed.code).toBe(TERMINAL_CLOSE.notRunning)
    expect(closed.reason).toBe(`session ${id} is stopping; the terminal is closed`)
  })

  // Last: it stops this file's daemon (afterAll's close() is then a no-op).
  it('tells an open terminal that the daemon is shutting down', async () => {
    const term = openTerminalClient((await mint(sessionId)).ws_url)
    await term.waitFor('# ', 'the prompt')
    await daemon.close()
    expect(await term.closed).toEqual({code: TERMINAL_CLOSE.goingAway, reason: 'the daemon is shutting down'})
  })
})
