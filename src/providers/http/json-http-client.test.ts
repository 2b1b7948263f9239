import {afterEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {ProviderUnavailableError, RateLimitedError} from '../errors.js'

import {JsonHttpClient} from './json-http-client.js'
import {startScriptedServer, type ScriptedHandler, type ScriptedReply, type ScriptedServer} from './scripted-http-server.js'
import {TokenBucket} from './token-bucket.js'

const SECRET = 'sk-live-0123456789abcdef'
let server: ScriptedServer | null = null

afterEach(async () => {
  await server?.close()
  server = null
})

async function setup(handler: ScriptedHandler, timeoutMs = 2000) {
  server = await startScriptedServer(handler)
  const clock = new ManualClock(0)
  const waits: number[] = []
  const sleep = async (ms: number) => {
    waits.push(ms)
  }
  const client = new JsonHttpClient({
    provider: 'vastai',
    baseUrl: server.url + '/',
    headers: {authorization: `Bearer ${SECRET}`},
    secrets: [SECRET],
    timeoutMs,
    limiter: new TokenBucket({perSecond: 1000, burst: 1000}, clock, sleep),
    clock,
    sleep,
  })
  return {client, waits, server}
}

function sequence(...replies: ScriptedReply[]): ScriptedHandler {
  let i = 0
  return () => replies[Math.min(i++, replies.length - 1)] ?? {status: 599}
}

describe('JsonHttpClient', () => {
  it('sends the bearer key, JSON body and query, and parses the reply', async () => {
    const {client, server} = await setup(() => ({body: {ok: true}}))
    const res = await client.request({method: 'POST', path: '/api/v0/x/', query: {owner: 'me'}, body: {a: 1}, idempotent: true})
    expect(res).toMatchObject({status: 200, json: {ok: true}, parsed: true})
    const [req] = server.requests
    expect(req?.headers.authorization).toBe(`Bearer ${SECRET}`)
    expect(req?.headers['content-type']).toBe('application/json')
    expect(req?.query.get('owner')).toBe('me')
    expect(req?.json).toEqual({a: 1})
  })

  it('retries a 429 for every call, honouring Retry-After, without reading the body', async () => {
    // Given two 429s, the first with Retry-After: 3 and a plain-text body
    const {client, waits, server} = await setup(
      sequence(
        {status: 429, body: 'API requests too frequent: endpoint threshold=4.5*1.0', headers: {'retry-after': '3'}},
        {status: 429, body: '{"detail": "API requests too frequent"}'},
        {body: {success: true, new_contract: 7}},
      ),
    )
    // When a non-idempotent create is sent
    const res = await client.request({method: 'PUT', path: '/api/v0/asks/1/', body: {}, idempotent: false})
    // Then it waited 3 s, then the second backoff step, and succeeded on the third try
    expect(res.json).toEqual({success: true, new_contract: 7})
    expect(waits).toEqual([3000, 2000])
    expect(server.requests).toHaveLength(3)
  })

  it('gives up after three 429 retries with RateLimitedError', async () => {
    const {client, waits, server} = await setup(() => ({status: 429, body: 'slow down'}))
    await expect(client.request({method: 'GET', path: '/x', idempotent: true})).rejects.toBeInstanceOf(RateLimitedError)
    expect(waits).toEqual([1000, 2000, 4000])
    expect(server.requests).toHaveLength(4)
  })

  it('retries 5xx only for idempotent calls', async () => {
    const {client, server} = await setup(sequence({status: 502, body: 'bad gateway'}, {status: 500, body: {msg: 'oops'}}, {body: {ok: 1}}))
    expect((await client.request({method: 'GET', path: '/x', idempotent: true})).json).toEqual({ok: 1})
    expect(server.requests).toHaveLength(3)

    server.setHandler(() => ({status: 503, body: {msg: 'maintenance'}}))
    const err = await client.request({method: 'PUT', path: '/create', body: {}, idempotent: false}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderUnavailableError)
    expect((err as ProviderUnavailableError).httpStatus).toBe(503)
    expect((err as Error).message).toContain('maintenance')
    expect(server.requests).toHaveLength(4)
  })

  it('never repeats a non-idempotent call after a timeout: the outcome is unknown', async () => {
    const {client, server} = await setup(() => ({hang: true}), 150)
    const err = await client.request({method: 'PUT', path: '/create', body: {}, idempotent: false}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderUnavailableError)
    expect((err as Error).message).toMatch(/no reply within 150 ms/)
    expect(server.requests).toHaveLength(1)
  })

  it('retries an idempotent call after a timeout', async () => {
    let n = 0
    const {client, server} = await setup(() => (n++ === 0 ? {hang: true} : {body: {ok: true}}), 150)
    expect((await client.request({method: 'GET', path: '/x', idempotent: true})).json).toEqual({ok: true})
    expect(server.requests).toHaveLength(2)
  })

  it('reports a refused connection as unavailable', async () => {
    const {client, server} = await setup(() => ({body: {}}))
    await server.close()
    const err = await client.request({method: 'PUT', path: '/create', body: {}, idempotent: false}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderUnavailableError)
    expect((err as Error).message).toMatch(/connection failed/)
  })

  it('returns a malformed body unparsed for the adapter to judge', async () => {
    const {client} = await setup(() => ({body: '{"offers": [tru'}))
    const res = await client.request({method: 'GET', path: '/x', idempotent: true})
    expect(res).toMatchObject({status: 200, parsed: false, json: undefined})
  })

  it('keeps the key out of error messages even when the provider echoes it', async () => {
    const {client} = await setup(() => ({status: 500, body: {msg: `bad key ${SECRET}`}}))
    const err = await client.request({method: 'PUT', path: '/x', body: {}, idempotent: false}).catch((e: unknown) => e)
    expect((err as Error).message).not.toContain(SECRET)
    expect((err as Error).message).toContain('[redacted]')
  })

  it('stops at once when the caller aborts', async () => {
    const {client} = await setup(() => ({hang: true}), 5000)
    const controller = new AbortController()
    const pending = client.request({method: 'GET', path: '/x', idempotent: true, signal: controller.signal})
    setTimeout(() => controller.abort(new Error('caller gave up')), 50)
    await expect(pending).rejects.toThrow('caller gave up')
  })
})
