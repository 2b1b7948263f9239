import {inspect} from 'node:util'

import {afterEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {
  InstanceSetupError,
  InsufficientCreditError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  StaleInventoryError,
} from '../errors.js'
import {startScriptedServer, type RecordedRequest, type ScriptedHandler, type ScriptedReply, type ScriptedServer} from '../http/scripted-http-server.js'

import type {AdapterLogger} from '../provider.js'
import {VastAiAdapter} from './vastai-adapter.js'

/**
 * Exact provider quirks over a real socket, scripted per test. The simulator test
 * (vastai-adapter.sim.test.ts) covers the same adapter against a whole simulated market.
 */
const API_KEY = 'vast-key-4c1d2f0e9b8a7d6c'
const NOW = Date.parse('2026-03-01T12:00:00Z')
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJc0ffee test@gpu-shopper'

let server: ScriptedServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

async function setup(handler: ScriptedHandler, extra: {timeoutMs?: number; logger?: AdapterLogger} = {}) {
  server = await startScriptedServer(handler)
  const waits: number[] = []
  const adapter = new VastAiAdapter({
    baseUrl: server.url,
    apiKey: API_KEY,
    clock: new ManualClock(NOW),
    sleep: async (ms) => {
      waits.push(ms)
    },
    timeoutMs: extra.timeoutMs ?? 2000,
    logger: extra.logger,
  })
  return {adapter, server, waits}
}

/** Routes by `METHOD path`; unknown routes answer 599 so a stray call fails loudly. */
function routes(table: Record<string, ScriptedReply | ((req: RecordedRequest) => ScriptedReply)>): ScriptedHandler {
  return (req) => {
    const route = table[`${req.method} ${req.path}`]
    if (!route) return {status: 599, body: `no route for ${req.method} ${req.path}`}
    return typeof route === 'function' ? route(req) : route
  }
}

const createRequest = {offerProviderId: '30406190', label: 'gpu-shopper:dep1:sess1', sshPublicKeys: [KEY], diskGb: 50}

describe('VastAiAdapter', () => {
  it('keeps the API key out of JSON and inspection of the adapter', async () => {
    const {adapter} = await setup(() => ({body: {}}))
    expect(JSON.stringify(adapter)).not.toContain(API_KEY)
    expect(inspect(adapter, {depth: 10, showHidden: true})).not.toContain(API_KEY)
  })
})

describe('VastAiAdapter.createInstance', () => {
  it('rents with a vast.py-shaped body, then attaches every key', async () => {
    const {adapter, server} = await setup(
      routes({
        'PUT /api/v0/asks/30406190/': {body: {success: true, new_contract: 9000001}},
        'POST /api/v0/instances/9000001/ssh/': {body: {success: true, msg: 'attached'}},
      }),
    )
    const second = 'ssh-rsa AAAAB3NzaC1yc2E second@host'
    const created = await adapter.createInstance({...createRequest, sshPublicKeys: [KEY, second]})
    expect(created).toEqual({providerInstanceId: '9000001'})

    const [put, ...attaches] = server.requests
    expect(put?.headers.authorization).toBe(`Bearer ${API_KEY}`)
    expect(put?.json).toEqual({
      client_id: 'me', image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04', env: {}, price: null, disk: 50,
      label: 'gpu-shopper:dep1:sess1', extra: null, onstart: null, image_login: null, python_utf8: false,
      lang_utf8: false, use_jupyter_lab: false, jupyter_dir: null, force: false, cancel_unavail: false,
      template_hash_id: null, user: null, runtype: 'ssh_direc ssh_proxy',
    })
    expect(attaches.map((r) => r.json)).toEqual([{ssh_key: KEY}, {ssh_key: second}])
  })

  it('sends the image asked for and publishes each exposed port as an env -p key', async () => {
    const {adapter, server} = await setup(
      routes({
        'PUT /api/v0/asks/30406190/': {body: {success: true, new_contract: 1}},
        'POST /api/v0/instances/1/ssh/': {body: {success: true}},
      }),
    )
    await adapter.createInstance({...createRequest, image: 'vllm/vllm-openai:v0.8.5', exposePorts: [8000, 6006]})
    expect(server.requests[0]?.json).toMatchObject({image: 'vllm/vllm-openai:v0.8.5', env: {'-p 8000:8000': '1', '-p 6006:6006': '1'}, onstart: null})
  })

  it('lets a template supply the image', async () => {
    const {adapter, server} = await setup(
      routes({
        'PUT /api/v0/asks/30406190/': {body: {success: true, new_contract: 1}},
        'POST /api/v0/instances/1/ssh/': {body: {success: true}},
      }),
    )
    await adapter.createInstance({...createRequest, templateHashId: 'abc123'})
    expect(server.requests[0]?.json).toMatchObject({image: null, template_hash_id: 'abc123'})
  })

  it.each([400, 404, 410])('maps no_such_ask with HTTP %d to StaleInventoryError', async (status) => {
    const {adapter} = await setup(() => ({
      status,
      body: {success: false, error: 'invalid_args', msg: 'error 404/3603: no_such_ask  Instance type by id 30406190 is not available.', ask_id: 30406190},
    }))
    const err = await adapter.createInstance(createRequest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StaleInventoryError)
    expect((err as StaleInventoryError).offerProviderId).toBe('30406190')
    expect((err as Error).message).toMatch(/no instance was created/)
  })

  it('returns the id when Vast says success:false but names a new contract (the instance exists and bills)', async () => {
    const warnings: string[] = []
    const {adapter} = await setup(
      routes({
        'PUT /api/v0/asks/30406190/': {body: {success: false, new_contract: 9000002, msg: 'bid below min'}},
        'POST /api/v0/instances/9000002/ssh/': {body: {success: true}},
      }),
      {logger: {warn: (_d, m) => warnings.push(m)}},
    )
    expect(await adapter.createInstance(createRequest)).toEqual({providerInstanceId: '9000002'})
    expect(warnings).toHaveLength(1)
  })

  it.each([
    ['401 auth_error', {status: 401, body: {success: false, error: 'auth_error', msg: 'Invalid user key'}}],
    ['403', {status: 403, body: {success: false, msg: 'forbidden'}}],
    ['404 Invalid user key', {status: 404, body: {success: false, msg: 'Invalid user key'}}],
  ])('maps %s to ProviderAuthError without leaking the key', async (_name, reply) => {
    const {adapter} = await setup(() => reply)
    const err = await adapter.createInstance(createRequest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderAuthError)
    expect(JSON.stringify({message: (err as Error).message, ...(err as object)})).not.toContain(API_KEY)
  })

  it.each([
    ['400', {status: 400, body: {success: false, error: 'insufficient_credit', msg: 'Insufficient credits'}}],
    ['200 success:false', {status: 200, body: {success: false, msg: 'Insufficient credits: balance $0.12'}}],
  ])('maps "Insufficient credits" (%s) to InsufficientCreditError', async (_name, reply) => {
    const {adapter} = await setup(() => reply)
    await expect(adapter.createInstance(createRequest)).rejects.toBeInstanceOf(InsufficientCreditError)
  })

  it('maps another 4xx to a non-retryable ProviderError carrying the provider message', async () => {
    const {adapter} = await setup(() => ({status: 400, body: {success: false, error: 'invalid_args', msg: 'disk must be positive'}}))
    const err = (await adapter.createInstance(createRequest).catch((e: unknown) => e)) as ProviderError
    expect(err).toBeInstanceOf(ProviderError)
    expect(err).not.toBeInstanceOf(ProviderUnavailableError)
    expect(err.retryable).toBe(false)
    expect(err.httpStatus).toBe(400)
    expect(err.message).toContain('disk must be positive')
    expect(err.message).toContain('PUT /api/v0/asks/30406190/')
  })

  it.each([
    ['a 500', {status: 500, body: {msg: 'internal'}}],
    ['a 502', {status: 502, body: 'Bad Gateway'}],
    ['malformed JSON', {status: 200, body: '{"success": true, "new_con'}],
    ['a reply without new_contract', {status: 200, body: {success: true}}],
  ])('never repeats a create after %s: ProviderUnavailableError, outcome unknown', async (_name, reply) => {
    const {adapter, server} = await setup(() => reply)
    await expect(adapter.createInstance(createRequest)).rejects.toBeInstanceOf(ProviderUnavailableError)
    expect(server.requests).toHaveLength(1)
  })

  it('never repeats a create after a timeout', async () => {
    const {adapter, server} = await setup(() => ({hang: true}), {timeoutMs: 150})
    await expect(adapter.createInstance(createRequest)).rejects.toBeInstanceOf(ProviderUnavailableError)
    expect(server.requests).toHaveLength(1)
  })

  it('retries a create that met a 429, which Vast did not process', async () => {
    let puts = 0
    const {adapter, waits} = await setup(
      routes({
        'PUT /api/v0/asks/30406190/': () => (puts++ === 0 ? {status: 429, body: 'API requests too frequent: endpoint threshold=4.5*1.0'} : {body: {success: true, new_contract: 5}}),
        'POST /api/v0/instances/5/ssh/': {body: {success: true}},
      }),
    )
    expect(await adapter.createInstance(createRequest)).toEqual({providerInstanceId: '5'})
    expect(puts).toBe(2)
    expect(waits).toContain(1000)
  })

  it('reports a failed key attach with the id of the instance that now exists', async () => {
    const {adapter} = await setup(
      routes({
        'PUT /api/v0/asks/30406190/': {body: {success: true, new_contract: 77}},
        'POST /api/v0/instances/77/ssh/': {status: 400, body: {success: false, msg: 'invalid ssh key'}},
      }),
    )
    const err = (await adapter.createInstance(createRequest).catch((e: unknown) => e)) as InstanceSetupError
    expect(err).toBeInstanceOf(InstanceSetupError)
    expect(err.providerInstanceId).toBe('77')
    expect(err.message).toMatch(/was created \(and bills\)/)
  })

  it('refuses a private key or a non-numeric offer id before renting anything', async () => {
    const {adapter, server} = await setup(() => ({body: {}}))
    await expect(adapter.createInstance({...createRequest, sshPublicKeys: ['-----BEGIN OPENSSH PRIVATE KEY-----']})).rejects.toThrow(/no instance was created/)
    await expect(adapter.createInstance({...createRequest, offerProviderId: '../instances/1'})).rejects.toThrow(/not a Vast.ai offer id/)
    expect(server.requests).toHaveLength(0)
  })
})

describe('VastAiAdapter.getInstance', () => {
  it('asks for the owner\'s instance and reads the singular object under the plural key', async () => {
    const {adapter, server} = await setup(() => ({
      body: {instances: {id: 9000001, actual_status: 'running', label: 'L', ssh_host: 'ssh4.vast.ai', ssh_port: '30522', public_ipaddr: '1.2.3.4 ', ports: null, dph_total: '0.3412', gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564}},
    }))
    expect(await adapter.getInstance('9000001')).toEqual({
      providerInstanceId: '9000001', label: 'L', state: 'running', statusMessage: 'running',
      ssh: {host: 'ssh4.vast.ai', port: 30522, user: 'root'}, ports: new Map(), pricePerHour: 341_200, gpuType: 'RTX 4090', gpuCount: 1, billing: null,
    })
    expect(server.requests[0]?.query.get('owner')).toBe('me')
  })

  it.each([
    ['200 {"instances": null}', {body: {instances: null}}],
    ['404 not_found', {status: 404, body: {success: false, error: 'not_found', msg: 'Instance not found'}}],
    ['an empty legacy list', {body: {instances: []}}],
  ])('returns null for %s', async (_name, reply) => {
    const {adapter} = await setup(() => reply)
    expect(await adapter.getInstance('1')).toBeNull()
  })

  it('retries a 500 and then reads the reply', async () => {
    let n = 0
    const {adapter, server} = await setup(() => (n++ < 2 ? {status: 500, body: {msg: 'oops'}} : {body: {instances: {id: 3, actual_status: 'loading'}}}))
    expect((await adapter.getInstance('3'))?.state).toBe('provisioning')
    expect(server.requests).toHaveLength(3)
  })

  it.each([
    ['malformed JSON', {body: '<html>'}],
    ['a reply without instances', {body: {success: true}}],
  ])('treats %s as unavailable', async (_name, reply) => {
    const {adapter} = await setup(() => reply)
    await expect(adapter.getInstance('1')).rejects.toBeInstanceOf(ProviderUnavailableError)
  })

  it('maps 404 Invalid user key to ProviderAuthError, not to "gone"', async () => {
    const {adapter} = await setup(() => ({status: 404, body: {success: false, error: 'auth_error', msg: 'Invalid user key'}}))
    await expect(adapter.getInstance('1')).rejects.toBeInstanceOf(ProviderAuthError)
  })
})

describe('VastAiAdapter.listInstances', () => {
  it('follows next_token and filters by label prefix on the client', async () => {
    const pages: Record<string, unknown> = {
      '': {success: true, instances: [{id: 1, label: 'gpu-shopper:dep1:a'}, {id: 2, label: 'other'}], next_token: 't1'},
      t1: {success: true, instances: [{id: 3, label: null}, {id: 'bad'}, {id: 4, label: 'gpu-shopper:dep1:b'}], next_token: null},
    }
    const {adapter, server} = await setup((req) => ({body: pages[req.query.get('after_token') ?? '']}))
    const found = await adapter.listInstances({labelPrefix: 'gpu-shopper:dep1:'})
    expect(found.map((i) => i.providerInstanceId)).toEqual(['1', '4'])
    expect(server.requests.map((r) => r.query.get('limit'))).toEqual(['25', '25'])
    expect(server.requests[1]?.query.get('after_token')).toBe('t1')
    expect((await adapter.listInstances()).map((i) => i.providerInstanceId)).toEqual(['1', '2', '3', '4'])
  })

  it('stops when a cursor repeats', async () => {
    const {adapter, server} = await setup(() => ({body: {instances: [{id: 1}], next_token: 'same'}}))
    await adapter.listInstances()
    expect(server.requests).toHaveLength(2)
  })
})

describe('VastAiAdapter.destroyInstance', () => {
  it.each([
    ['success', {body: {success: true, msg: 'destroying'}}],
    ['no_such_instance', {body: {success: false, error: 'no_such_instance', msg: 'no such instance'}}],
    ['404 not_found', {status: 404, body: {success: false, error: 'not_found', msg: 'Instance not found'}}],
    ['an empty 200', {body: ''}],
  ])('counts %s as destroyed', async (_name, reply) => {
    const {adapter, server} = await setup(() => reply)
    await adapter.destroyInstance('9000001')
    expect(server.requests[0]).toMatchObject({method: 'DELETE', path: '/api/v0/instances/9000001/', json: {}})
  })

  it('reports another refusal', async () => {
    const {adapter} = await setup(() => ({status: 400, body: {success: false, error: 'invalid_args', msg: 'instance is locked'}}))
    await expect(adapter.destroyInstance('1')).rejects.toThrow(/instance is locked/)
  })
})

describe('VastAiAdapter.searchOffers', () => {
  it('counts and logs offers it cannot read, and keeps the rest', async () => {
    const warnings: Record<string, unknown>[] = []
    const {adapter} = await setup(() => ({
      body: {offers: [{id: 1, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_total: 0.3, rentable: true, rented: null}, {id: 2, gpu_name: 'RTX 4090'}]},
    }), {logger: {warn: (d) => warnings.push(d)}})
    const offers = await adapter.searchOffers({})
    expect(offers.map((o) => o.id)).toEqual(['vastai-1'])
    expect(offers[0]?.fetchedAt).toBe(NOW)
    expect(adapter.lastSearch).toEqual({received: 2, skipped: 1})
    expect(warnings[0]).toMatchObject({skipped: 1})
  })

  it('applies filters the server ignored, sorts, and pages', async () => {
    const offer = (id: number, price: number, gpu = 'RTX 4090') => ({id, gpu_name: gpu, num_gpus: 1, gpu_ram: 24564, dph_total: price, rentable: true, rented: false, geolocation: 'Texas, US'})
    const {adapter} = await setup(() => ({body: {offers: [offer(1, 0.5), offer(2, 0.2), offer(3, 0.1, 'RTX 3090'), offer(4, 0.3), offer(5, 0.9)]}}))
    const offers = await adapter.searchOffers({gpuType: '4090', limit: 2, offset: 1})
    expect(offers.map((o) => o.providerId)).toEqual(['4', '1'])
  })
})
