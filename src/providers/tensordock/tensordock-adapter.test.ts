import {inspect} from 'node:util'

import {afterEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {toMicroUsd} from '../../core/money.js'
import {
  InsufficientCreditError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  StaleInventoryError,
} from '../errors.js'
import {startScriptedServer, type RecordedRequest, type ScriptedHandler, type ScriptedReply, type ScriptedServer} from '../http/scripted-http-server.js'

import type {AdapterLogger} from '../provider.js'
import {TensorDockAdapter} from './tensordock-adapter.js'

/**
 * Exact TensorDock quirks over a real socket, scripted per test. The simulator test
 * (tensordock-adapter.sim.test.ts) covers the same adapter against a whole simulated market.
 */
const TOKEN = 'td-token-9f8e7d6c5b4a3210'
const AUTH_ID = 'td-auth-id-0123456789'
const NOW = Date.parse('2026-03-01T12:00:00Z')
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJc0ffee test@gpu-shopper'
const CHICAGO = '1a779525-4c04-4f2c-aa45-58b47d54bb38'
const MADRID = '7d2e4c11-5a3b-4f60-9e1d-8b7c6a5f4e3d'
const VM = '468b716a-6747-4cbe-9f13-afc153a21c14'
const VM2 = '2f1e0d9c-8b7a-4655-9443-322110ffeedd'

let server: ScriptedServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

async function setup(handler: ScriptedHandler, extra: {timeoutMs?: number; logger?: AdapterLogger; authId?: string} = {}) {
  server = await startScriptedServer(handler)
  const waits: number[] = []
  const adapter = new TensorDockAdapter({
    baseUrl: server.url,
    apiToken: TOKEN,
    authId: extra.authId,
    clock: new ManualClock(NOW),
    sleep: async (ms) => {
      waits.push(ms)
    },
    timeoutMs: extra.timeoutMs ?? 2000,
    createTimeoutMs: extra.timeoutMs ?? 2000,
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

/** Replies from a list, then repeats the last one. */
function sequence(...replies: ScriptedReply[]): () => ScriptedReply {
  let i = 0
  return () => replies[Math.min(i++, replies.length - 1)] ?? {status: 599}
}

function gpu(v0Name: string, displayName: string, price: number, maxCount: number): Record<string, unknown> {
  return {
    v0Name, displayName, max_count: maxCount, price_per_hr: price,
    resources: {max_vcpus: 32, max_ram_gb: 128, max_storage_gb: 2000},
    pricing: {per_vcpu_hr: 0.003, per_gb_ram_hr: 0.002, per_gb_storage_hr: 0.00005},
  }
}

const LOCATIONS = {
  data: {
    locations: [
      {id: CHICAGO, city: 'Chicago', stateprovince: 'Illinois', country: 'United States', tier: 3, gpus: [
        gpu('geforcertx4090-pcie-24gb', 'NVIDIA GeForce RTX 4090 PCIe 24GB', 0.5, 2),
        gpu('h100-sxm5-80gb', 'H100 SXM5 80GB', 2.25, 8),
      ]},
      {id: MADRID, city: 'Madrid', stateprovince: 'Madrid', country: 'Spain', tier: 4, gpus: [
        gpu('geforcertx4090-pcie-24gb', 'geforcertx4090-pcie-24gb', 0.35, 1),
        {v0Name: 'broken'},
      ]},
    ],
  },
}

const createRequest = {offerProviderId: `${CHICAGO}:geforcertx4090-pcie-24gb:1`, label: 'gpu-shopper:dep1:sess1', sshPublicKeys: [KEY], diskGb: 50}

describe('TensorDockAdapter', () => {
  it('declares client-side filtering and keeps the token out of JSON and inspection', async () => {
    const {adapter} = await setup(() => ({body: {}}))
    expect(adapter.capabilities).toEqual({
      serverSideFilters: false,
      attachSshKeyAfterCreate: false,
      singleUseOffers: false,
      resumableCreate: false,
      launch: {images: {kind: 'os', names: ['ubuntu2404', 'ubuntu2204', 'ubuntu2004', 'debian12'], default: 'ubuntu2204'}, exposePorts: true},
    })
    expect(JSON.stringify(adapter)).not.toContain(TOKEN)
    expect(inspect(adapter, {depth: 10, showHidden: true})).not.toContain(TOKEN)
  })

  it('refuses a storage default below TensorDock\'s 100 GB minimum', () => {
    expect(() => new TensorDockAdapter({baseUrl: 'http://127.0.0.1:9', apiToken: TOKEN, storageGb: 50})).toThrow(/100 GB/)
  })
})

describe('TensorDockAdapter.searchOffers', () => {
  it('fetches locations with Bearer auth and filters, sorts and pages on the client', async () => {
    const warnings: unknown[] = []
    const {adapter, server} = await setup(routes({'GET /api/v2/locations': {body: LOCATIONS}}), {logger: {warn: (d) => warnings.push(d)}})

    const all = await adapter.searchOffers({})
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    // 2 (RTX 4090 Chicago: 1, 2) + 4 (H100: 1, 2, 4, 8) + 1 (Madrid)
    expect(all).toHaveLength(7)
    expect(all[0]).toMatchObject({providerId: `${MADRID}:geforcertx4090-pcie-24gb:1`, gpuType: 'RTX 4090', location: 'Madrid, Spain', countryCode: 'ES', reliability: 0.99})
    expect(adapter.lastSearch).toEqual({received: 8, skipped: 1})
    expect(warnings).toHaveLength(1)

    const cheapUs4090 = await adapter.searchOffers({gpuType: 'rtx4090', location: 'US', maxPricePerHour: toMicroUsd('1')})
    expect(cheapUs4090.map((o) => o.id)).toEqual([`tensordock-${CHICAGO}:geforcertx4090-pcie-24gb:1`])

    const bigH100 = await adapter.searchOffers({gpuType: 'H100 SXM', minGpuCount: 4, sort: 'price', order: 'desc', limit: 1})
    expect(bigH100.map((o) => o.gpuCount)).toEqual([8])
    expect(await adapter.searchOffers({minCuda: 12})).toEqual([])
  })

  it('retries with query-parameter auth when an auth id is configured and Bearer is refused', async () => {
    const {adapter, server} = await setup(
      (req) => (req.query.get('api_token') === TOKEN && req.query.get('api_key') === AUTH_ID ? {body: LOCATIONS} : {status: 401, body: {error: 'Invalid API credentials'}}),
      {authId: AUTH_ID},
    )
    expect(await adapter.searchOffers({})).toHaveLength(7)
    expect(server.requests).toHaveLength(2)
  })

  it('maps 401 to ProviderAuthError without echoing the token', async () => {
    const {adapter} = await setup(() => ({status: 401, body: {error: `Invalid API credentials: ${TOKEN}`}}))
    const err = await adapter.searchOffers({}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderAuthError)
    expect((err as Error).message).not.toContain(TOKEN)
  })

  it('retries a 500, and reports malformed JSON as ProviderUnavailableError', async () => {
    const {adapter, server, waits} = await setup(sequence({status: 500, body: {error: 'oops'}}, {body: LOCATIONS}))
    expect(await adapter.searchOffers({})).toHaveLength(7)
    expect(waits).toEqual([1000])
    server.setHandler(() => ({body: '{"data":{"locations":[{"id":'}))
    await expect(adapter.searchOffers({})).rejects.toBeInstanceOf(ProviderUnavailableError)
    server.setHandler(() => ({body: {data: {}}}))
    await expect(adapter.searchOffers({})).rejects.toBeInstanceOf(ProviderUnavailableError)
  })
})

describe('TensorDockAdapter.createInstance', () => {
  it('posts the create body and reads the wrapped id', async () => {
    const {adapter, server} = await setup(routes({'POST /api/v2/instances': {body: {data: {type: 'virtualmachine', id: VM, name: createRequest.label, status: 'running'}}}}))
    expect(await adapter.createInstance(createRequest)).toEqual({providerInstanceId: VM})
    const [post] = server.requests
    expect(post?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(post?.json).toMatchObject({
      data: {
        type: 'virtualmachine',
        attributes: {
          name: createRequest.label,
          image: 'ubuntu2204',
          location_id: CHICAGO,
          // 50 GB asked; TensorDock's minimum is 100
          resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 1}}},
          useDedicatedIp: true,
          port_forwards: [{protocol: 'tcp', internal_port: 22, external_port: 22}],
          ssh_key: KEY,
        },
      },
    })
    const runcmd = (post?.json as {data: {attributes: {cloud_init: {runcmd: string[]}}}}).data.attributes.cloud_init.runcmd
    expect(runcmd.filter((c) => c.includes(KEY))).toHaveLength(2)
  })

  it('accepts 201 with an unwrapped id, and asks for more disk when the request does', async () => {
    const {adapter, server} = await setup(() => ({status: 201, body: {id: VM, status: 'queued'}}))
    expect(await adapter.createInstance({...createRequest, diskGb: 250, image: 'ubuntu2004'})).toEqual({providerInstanceId: VM})
    expect(server.requests[0]?.json).toMatchObject({data: {attributes: {image: 'ubuntu2004', resources: {storage_gb: 250}}}})
  })

  it.each([
    ['HTTP 200 No available nodes', {status: 200, body: {status: 400, error: 'No available nodes found'}}],
    ['HTTP 200 No available public IPs', {status: 200, body: {status: 400, error: 'No available public IPs on hostnode'}}],
    ['HTTP 400 Hostnode unavailable', {status: 400, body: {error: 'Hostnode unavailable', status: 400}}],
  ])('maps %s to StaleInventoryError', async (_name, reply) => {
    const {adapter} = await setup(() => reply)
    const err = await adapter.createInstance(createRequest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StaleInventoryError)
    expect((err as StaleInventoryError).offerProviderId).toBe(createRequest.offerProviderId)
    expect((err as Error).message).toMatch(/no instance was created/)
  })

  it('joins an array of validation errors into one non-retryable ProviderError', async () => {
    const {adapter} = await setup(() => ({
      status: 400,
      body: [
        {code: 'invalid_type', message: 'Required', path: ['data', 'attributes', 'image']},
        {code: 'too_small', message: 'must be >= 100', path: ['data', 'attributes', 'resources', 'storage_gb']},
      ],
    }))
    const err = (await adapter.createInstance(createRequest).catch((e: unknown) => e)) as ProviderError
    expect(err).toBeInstanceOf(ProviderError)
    expect(err).not.toBeInstanceOf(ProviderUnavailableError)
    expect(err.retryable).toBe(false)
    expect(err.httpStatus).toBe(400)
    expect(err.message).toContain('data.attributes.image: Required; data.attributes.resources.storage_gb: must be >= 100')
  })

  it('maps auth and balance refusals', async () => {
    const {adapter, server} = await setup(() => ({status: 403, body: {error: 'Forbidden'}}))
    await expect(adapter.createInstance(createRequest)).rejects.toBeInstanceOf(ProviderAuthError)
    server.setHandler(() => ({status: 200, body: {status: 400, error: 'Insufficient balance. Minimum balance of $1 required'}}))
    await expect(adapter.createInstance(createRequest)).rejects.toBeInstanceOf(InsufficientCreditError)
  })

  it('never repeats a create after a 500 or a timeout: the outcome is unknown', async () => {
    const {adapter, server} = await setup(() => ({status: 500, body: {error: 'internal'}}), {timeoutMs: 200})
    await expect(adapter.createInstance(createRequest)).rejects.toBeInstanceOf(ProviderUnavailableError)
    expect(server.requests).toHaveLength(1)
    server.setHandler(() => ({hang: true}))
    const err = await adapter.createInstance(createRequest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderUnavailableError)
    expect((err as Error).message).toMatch(/outcome is unknown/)
    expect(server.requests).toHaveLength(2)
  })

  it('retries a create that met a 429, honouring Retry-After', async () => {
    const {adapter, server, waits} = await setup(
      sequence({status: 429, body: {error: 'Too many requests'}, headers: {'retry-after': '3'}}, {body: {data: {id: VM}}}),
    )
    expect(await adapter.createInstance(createRequest)).toEqual({providerInstanceId: VM})
    expect(waits).toEqual([3000])
    expect(server.requests).toHaveLength(2)
  })

  it('reports a success reply without a usable id as an unknown outcome', async () => {
    const {adapter} = await setup(() => ({body: {data: {type: 'virtualmachine', status: 'running'}}}))
    const err = await adapter.createInstance(createRequest).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderUnavailableError)
    expect((err as Error).message).toContain(createRequest.label)
  })

  it.each([
    ['a cloud-gpu-shopper offer id', {offerProviderId: `${CHICAGO}-geforcertx4090-pcie-24gb`}],
    ['no keys', {sshPublicKeys: []}],
    ['a private key', {sshPublicKeys: ['-----BEGIN OPENSSH PRIVATE KEY-----']}],
    ['an over-long label', {label: 'x'.repeat(200)}],
  ])('refuses %s before renting anything', async (_name, change) => {
    const {adapter, server} = await setup(() => ({body: {data: {id: VM}}}))
    const err = (await adapter.createInstance({...createRequest, ...change}).catch((e: unknown) => e)) as ProviderError
    expect(err).toBeInstanceOf(ProviderError)
    expect(err.message).toMatch(/no instance was created/)
    expect(server.requests).toHaveLength(0)
  })
})

const LIVE_INSTANCE = {
  type: 'virtualmachine', id: VM, name: 'gpu-shopper:dep1:sess1', status: 'running', ipAddress: '174.94.145.71',
  portForwards: [{internal_port: 22, external_port: 20456}], rateHourly: 0.593,
  resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 1, v0Name: 'geforcertx4090-pcie-24gb'}}},
}

describe('TensorDockAdapter.getInstance', () => {
  it('reads the unwrapped instance', async () => {
    const {adapter, server} = await setup(routes({[`GET /api/v2/instances/${VM}`]: {body: LIVE_INSTANCE}}))
    expect(await adapter.getInstance(VM)).toMatchObject({
      providerInstanceId: VM, state: 'running', ssh: {host: '174.94.145.71', port: 20456, user: 'user'}, pricePerHour: toMicroUsd('0.593'),
    })
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    server.setHandler(() => ({body: {data: LIVE_INSTANCE}}))
    expect((await adapter.getInstance(VM))?.label).toBe('gpu-shopper:dep1:sess1')
  })

  it('answers null for 404, an HTTP-200 404 body, and deleted instances', async () => {
    const {adapter, server} = await setup(() => ({status: 404, body: {error: 'Instance not found'}}))
    expect(await adapter.getInstance(VM)).toBeNull()
    server.setHandler(() => ({body: {status: 404, error: 'Instance not found'}}))
    expect(await adapter.getInstance(VM)).toBeNull()
    for (const status of ['deleting', 'deleted', 'Terminated']) {
      server.setHandler(() => ({body: {...LIVE_INSTANCE, status}}))
      expect(await adapter.getInstance(VM)).toBeNull()
    }
  })

  it('does not read an HTML 404 (a wrong base URL) as "gone"', async () => {
    const {adapter} = await setup(() => ({status: 404, body: '<html><body>Not Found</body></html>'}))
    await expect(adapter.getInstance(VM)).rejects.toBeInstanceOf(ProviderUnavailableError)
  })

  it('retries a 500, then reads the reply', async () => {
    const {adapter, server, waits} = await setup(sequence({status: 500}, {status: 502, body: 'Bad Gateway'}, {body: LIVE_INSTANCE}))
    expect((await adapter.getInstance(VM))?.providerInstanceId).toBe(VM)
    expect(server.requests).toHaveLength(3)
    expect(waits).toEqual([1000, 2000])
  })

  it.each(['123', '../instances', `${VM}/../x`, `${VM.slice(0, -1)}%2f`, ''])('validates %j as a UUID before it reaches a path', async (id) => {
    const {adapter, server} = await setup(() => ({body: LIVE_INSTANCE}))
    await expect(adapter.getInstance(id)).rejects.toBeInstanceOf(ProviderError)
    await expect(adapter.destroyInstance(id)).rejects.toBeInstanceOf(ProviderError)
    expect(server.requests).toHaveLength(0)
  })
})

describe('TensorDockAdapter.listInstances', () => {
  it('reads the documented shape: data.instances with attributes', async () => {
    const {adapter} = await setup(() => ({
      body: {data: {instances: [
        {type: 'VM', id: VM, attributes: {name: 'gpu-shopper:depA:s1', status: 'running'}},
        {type: 'VM', id: VM2, attributes: {name: 'gpu-shopper:depB:s2', status: 'stopped'}},
        {type: 'VM', attributes: {name: 'no id'}},
      ]}},
    }))
    const mine = await adapter.listInstances({labelPrefix: 'gpu-shopper:depA:'})
    expect(mine).toEqual([expect.objectContaining({providerInstanceId: VM, label: 'gpu-shopper:depA:s1', state: 'provisioning'})])
    expect((await adapter.listInstances()).map((i) => i.state)).toEqual(['provisioning', 'stopped'])
  })

  it('reads the live variant: data as an array of flat items, leaving deleted ones out', async () => {
    const {adapter} = await setup(() => ({
      body: {data: [
        {...LIVE_INSTANCE, name: 'gpu-shopper:depA:s1'},
        {...LIVE_INSTANCE, id: VM2, name: 'gpu-shopper:depA:s2', status: 'deleted'},
        {...LIVE_INSTANCE, id: VM2, name: 'someone-else', status: 'running'},
      ]},
    }))
    const mine = await adapter.listInstances({labelPrefix: 'gpu-shopper:depA:'})
    expect(mine.map((i) => [i.providerInstanceId, i.state, i.ssh?.port])).toEqual([[VM, 'running', 20456]])
  })

  it('reads an empty account, but not an unknown shape, as no instances', async () => {
    const {adapter, server} = await setup(() => ({body: {data: {instances: null}}}))
    expect(await adapter.listInstances()).toEqual([])
    server.setHandler(() => ({body: {data: {}}}))
    await expect(adapter.listInstances()).rejects.toBeInstanceOf(ProviderUnavailableError)
    server.setHandler(() => ({body: {instances: []}}))
    await expect(adapter.listInstances()).rejects.toBeInstanceOf(ProviderUnavailableError)
  })
})

describe('TensorDockAdapter.destroyInstance', () => {
  it('deletes, and counts 404 as destroyed', async () => {
    const {adapter, server} = await setup(
      sequence({body: {data: {type: 'success', attributes: {message: 'Instance deleted successfully'}}}}, {status: 404, body: {error: 'Instance not found'}}),
    )
    await adapter.destroyInstance(VM)
    await adapter.destroyInstance(VM)
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /api/v2/instances/${VM}`, `DELETE /api/v2/instances/${VM}`])
  })

  it('retries a 500, and reports another refusal', async () => {
    const {adapter, server} = await setup(sequence({status: 503}, {status: 200, body: ''}))
    await adapter.destroyInstance(VM)
    expect(server.requests).toHaveLength(2)
    server.setHandler(() => ({status: 200, body: {status: 400, error: 'Instance is locked'}}))
    const err = (await adapter.destroyInstance(VM).catch((e: unknown) => e)) as ProviderError
    expect(err).toBeInstanceOf(ProviderError)
    expect(err.message).toContain('Instance is locked')
  })
})
