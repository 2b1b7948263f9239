import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {costForDuration, toMicroUsd} from '../../core/money.js'
import {startVastSim} from '../../sim/index.js'
import {generateSessionKeyPair} from '../../ssh/keys.js'
import {ProviderAuthError, ProviderUnavailableError, StaleInventoryError} from '../errors.js'
import type {ProviderInstance} from '../provider.js'

import {VastAiAdapter} from './vastai-adapter.js'

/**
 * The adapter against the simulated Vast.ai over real HTTP: what it sends is read back from
 * the simulator's request log, and the instance lifecycle is driven by a shared ManualClock.
 */
const API_KEY = 'sim-vast-key-7f3a9c21e5d4'
const START = Date.parse('2026-03-01T12:00:00Z')

interface Sim {
  url: string
  close(): Promise<void>
}

interface LoggedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: Record<string, string>
  body: unknown
}

let sim: Sim
let clock: ManualClock
let waits: number[]
let adapter: VastAiAdapter

function makeAdapter(apiKey = API_KEY, timeoutMs = 5000): VastAiAdapter {
  return new VastAiAdapter({
    baseUrl: sim.url,
    apiKey,
    clock,
    sleep: async (ms) => {
      waits.push(ms)
    },
    // The limiter is tested on its own; here it must not add waits that hide the retry waits.
    rateLimit: {perSecond: 1000, burst: 1000},
    timeoutMs,
  })
}

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(sim.url + path, {
    method,
    headers: body === undefined ? {} : {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`)
  return text ? (JSON.parse(text) as unknown) : undefined
}

async function requests(pathPrefix: string): Promise<LoggedRequest[]> {
  const reply = (await control('GET', `/_sim/requests?path_prefix=${encodeURIComponent(pathPrefix)}`)) as {requests: LoggedRequest[]}
  return reply.requests
}

function offer(id: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_base: 0.3, dph_total: 0.3042, storage_cost: 0.15,
    reliability: 0.99, reliability2: 0.99, geolocation: 'Texas, US', cuda_max_good: 12.4, cpu_cores: 32,
    cpu_cores_effective: 8, cpu_ram: 128000, disk_space: 400, inet_down: 900, rentable: true, rented: false,
    verified: true, verification: 'verified', ...overrides,
  }
}

const MARKET = [
  offer(9001),
  offer(9002, {dph_base: 0.9, dph_total: 0.9042}),
  offer(9003, {geolocation: 'Spain, ES'}),
  offer(9004, {gpu_name: 'RTX 3090'}),
  offer(9005, {reliability: 0.8, reliability2: 0.8}),
  offer(9006, {rented: true}),
  offer(9007, {gpu_name: 'A100 SXM4', gpu_ram: 81920, num_gpus: 2, geolocation: ', CN', rented: null, cpu_cores: null, dph_base: 1.5, dph_total: 1.5042}),
  offer(9008, {gpu_name: 'A100 PCIE', gpu_ram: 40960, geolocation: 'California, United States', dph_base: 0.6, dph_total: 0.6042}),
  offer(9009),
  offer(9010),
  offer(9011),
]

const publicKey = generateSessionKeyPair('sim-test').publicKey

beforeEach(async () => {
  clock = new ManualClock(START)
  waits = []
  sim = await startVastSim({port: 0, seed: 7, clock, apiKey: API_KEY})
  await control('POST', '/_sim/offers', {offers: MARKET, mode: 'replace', replace: true})
  adapter = makeAdapter()
})

afterEach(async () => {
  await sim.close()
})

async function untilState(id: string, wanted: ProviderInstance['state']): Promise<{instance: ProviderInstance; seen: string[]}> {
  const seen: string[] = []
  // Deadline by steps of virtual time: 120 × 250 ms is far beyond the simulator's boot time.
  for (let step = 0; step < 120; step++) {
    const instance = await adapter.getInstance(id)
    if (!instance) throw new Error(`instance ${id} vanished`)
    if (seen.at(-1) !== instance.state) seen.push(instance.state)
    if (instance.state === wanted) return {instance, seen}
    clock.advance(250)
  }
  throw new Error(`instance ${id} never became ${wanted}; saw ${seen.join(' → ')}`)
}

describe('VastAiAdapter against the simulated Vast.ai', () => {
  it('pushes the filters down and normalises the offers it gets back', async () => {
    // When the user asks for cheap, reliable RTX 4090s in the US
    const offers = await adapter.searchOffers({
      gpuType: 'rtx4090',
      minVramGb: 24,
      maxPricePerHour: toMicroUsd('0.5'),
      minGpuCount: 1,
      minReliability: 0.95,
      location: 'US',
      minCuda: 12,
    })

    // Then Vast was asked for exactly that
    const [search] = (await requests('/api/v0/bundles/')).slice(-1)
    expect(search?.method).toBe('POST')
    expect(search?.body).toMatchObject({
      rentable: {eq: true},
      rented: {eq: false},
      type: 'on-demand',
      gpu_name: {in: ['RTX 4090']},
      gpu_ram: {gte: 24000},
      dph_total: {lte: 0.5},
      num_gpus: {gte: 1},
      reliability2: {gte: 0.95},
      geolocation: {in: ['US']},
      cuda_max_good: {gte: 12},
      order: [['dph_total', 'asc']],
    })
    // And only the matching offers came back, normalised
    expect(offers.map((o) => o.providerId).sort()).toEqual(['9001', '9009', '9010', '9011'])
    const first = offers.find((o) => o.providerId === '9001')
    expect(first).toMatchObject({
      id: 'vastai-9001', provider: 'vastai', gpuType: 'RTX 4090', gpuCount: 1, vramGb: 24, location: 'Texas, US',
      countryCode: 'US', reliability: 0.99, available: true, fetchedAt: START, cudaVersion: 12.4, diskGb: 400, cpuCores: 8,
      inetDownMbps: 900,
    })
    expect(first?.pricePerHour).toBeGreaterThan(0)
    expect(first?.pricePerHour).toBeLessThanOrEqual(toMicroUsd('0.5'))
  })

  it('reads odd offers: ", CN", rented null, cpu_cores null, an A100 told apart by VRAM', async () => {
    const offers = await adapter.searchOffers({gpuType: 'A100'})
    expect(offers.map((o) => [o.providerId, o.gpuType])).toEqual([
      ['9008', 'A100 40GB PCIe'],
      ['9007', 'A100 80GB SXM'],
    ])
    expect(offers[1]).toMatchObject({location: 'CN', countryCode: 'CN', gpuCount: 2, vramGb: 80, available: true, cpuCores: 8})
    expect(await adapter.searchOffers({gpuType: 'A100 80GB'})).toHaveLength(1)
  })

  it('creates with the label, attaches the key, and reports the instance until it runs', async () => {
    const label = 'gpu-shopper:dep1:sess1'
    const {providerInstanceId} = await adapter.createInstance({offerProviderId: '9001', label, sshPublicKeys: [publicKey], diskGb: 40})

    const [put] = await requests('/api/v0/asks/')
    expect(put).toMatchObject({method: 'PUT', path: '/api/v0/asks/9001/'})
    expect(put?.body).toMatchObject({client_id: 'me', label, disk: 40, runtype: 'ssh_direc ssh_proxy', env: {}, image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04'})
    const attach = await requests(`/api/v0/instances/${providerInstanceId}/ssh/`)
    expect(attach.map((r) => r.body)).toEqual([{ssh_key: publicKey}])

    const {instance, seen} = await untilState(providerInstanceId, 'running')
    expect(seen[0]).toBe('provisioning')
    expect(instance).toMatchObject({providerInstanceId, label, state: 'running', gpuType: 'RTX 4090', gpuCount: 1})
    expect(instance.ssh).toMatchObject({user: 'root'})
    expect(instance.ssh?.port).toBeGreaterThan(0)
    expect(instance.pricePerHour).toBeGreaterThan(0)
  })

  it('maps a consumed or vanished offer to StaleInventoryError', async () => {
    await adapter.createInstance({offerProviderId: '9009', label: 'a', sshPublicKeys: [], diskGb: 10})
    // An ask id rents once
    await expect(adapter.createInstance({offerProviderId: '9009', label: 'b', sshPublicKeys: [], diskGb: 10})).rejects.toBeInstanceOf(StaleInventoryError)
    // An offer taken off the market between search and create
    await control('DELETE', '/_sim/offers/9010')
    const err = await adapter.createInstance({offerProviderId: '9010', label: 'c', sshPublicKeys: [], diskGb: 10}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StaleInventoryError)
    expect((err as StaleInventoryError).offerProviderId).toBe('9010')
  })

  it('bills on Vast\'s clock: the terms it reads and the charges it reports agree with what the simulator charged', async () => {
    // Given an instance that boots, runs across a UTC midnight and is destroyed.
    clock.set(Date.parse('2026-03-01T23:30:00Z'))
    const createdAt = clock.now()
    const {providerInstanceId} = await adapter.createInstance({offerProviderId: '9001', label: 'bill', sshPublicKeys: [], diskGb: 50})
    clock.advance(10 * 60_000)
    const running = (await adapter.getInstance(providerInstanceId))!
    expect(running.state).toBe('running')
    expect(running.billing).toMatchObject({createdAt, computeFromCreate: false})
    const terms = running.billing!
    // The simulator's boot takes 2.25 s of provisioning, created and loading.
    expect(terms.runningSince).toBe(createdAt + 2_250)
    clock.advance(50 * 60_000)
    await adapter.destroyInstance(providerInstanceId)
    const endedAt = clock.now()

    // Then the charges, one row a day, add up to storage from the create and compute from running.
    const expected = costForDuration(terms.storagePerHour, endedAt - createdAt) + costForDuration(terms.computePerHour, endedAt - terms.runningSince!)
    const rows = (await control('GET', '/_sim/instances')) as {instances: {id: number; sim: {charged_micro_usd: number}}[]}
    expect(rows.instances.find((i) => String(i.id) === providerInstanceId)!.sim.charged_micro_usd).toBe(expected)
    expect(await adapter.instanceCharge(providerInstanceId, {createdAt, endedAt})).toEqual({amount: expected, coveredUntil: endedAt})
    // Records that end before the instance did are not a bill yet.
    expect(await adapter.instanceCharge(providerInstanceId, {createdAt, endedAt: endedAt + 1})).toBeNull()
  })

  it('lists instances by label prefix', async () => {
    const mine1 = await adapter.createInstance({offerProviderId: '9001', label: 'gpu-shopper:depA:s1', sshPublicKeys: [], diskGb: 10})
    const mine2 = await adapter.createInstance({offerProviderId: '9009', label: 'gpu-shopper:depA:s2', sshPublicKeys: [], diskGb: 10})
    await adapter.createInstance({offerProviderId: '9010', label: 'gpu-shopper:depB:s3', sshPublicKeys: [], diskGb: 10})

    const found = await adapter.listInstances({labelPrefix: 'gpu-shopper:depA:'})
    expect(found.map((i) => i.providerInstanceId).sort()).toEqual([mine1.providerInstanceId, mine2.providerInstanceId].sort())
    expect(await adapter.listInstances()).toHaveLength(3)
    const [list] = await requests('/api/v1/instances/')
    expect(list?.query).toMatchObject({limit: '25'})
  })

  it('destroys idempotently: twice is fine, and the instance reads as gone', async () => {
    const {providerInstanceId} = await adapter.createInstance({offerProviderId: '9001', label: 'x', sshPublicKeys: [], diskGb: 10})
    await adapter.destroyInstance(providerInstanceId)
    await adapter.destroyInstance(providerInstanceId)
    expect(await adapter.getInstance(providerInstanceId)).toBeNull()
    const deletes = await requests(`/api/v0/instances/${providerInstanceId}/`)
    expect(deletes.filter((r) => r.method === 'DELETE').map((r) => r.body)).toEqual([{}, {}])
  })

  it('retries a 429 honouring Retry-After', async () => {
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['429'], retry_after_seconds: 2, count: 2})
    const offers = await adapter.searchOffers({gpuType: 'RTX 4090'})
    expect(offers.length).toBeGreaterThan(0)
    expect(waits.filter((ms) => ms === 2000)).toHaveLength(2)
    expect(await requests('/api/v0/bundles/')).toHaveLength(3)
  })

  it('rides out Vast\'s own plain-text 429s (no Retry-After) with the default pacing and backoff', async () => {
    // Given the simulator enforcing Vast's per-endpoint minimum intervals on virtual time
    await control('POST', '/_sim/config', {rate_limit: {mode: 'text'}})
    const paced = new VastAiAdapter({
      baseUrl: sim.url,
      apiKey: API_KEY,
      clock,
      sleep: async (ms) => {
        waits.push(ms)
        clock.advance(ms)
      },
    })
    // When one session polls an instance in a tight loop
    const {providerInstanceId} = await paced.createInstance({offerProviderId: '9001', label: 'x', sshPublicKeys: [], diskGb: 10})
    for (let i = 0; i < 4; i++) expect(await paced.getInstance(providerInstanceId)).not.toBeNull()
    // Then every call succeeded, some after backing off
    const shows = (await requests(`/api/v0/instances/${providerInstanceId}/`)).filter((r) => r.method === 'GET')
    expect(shows.length).toBeGreaterThan(4)
    expect(waits).toContain(1000)
  })

  it('retries a 500 on get', async () => {
    const {providerInstanceId} = await adapter.createInstance({offerProviderId: '9001', label: 'x', sshPublicKeys: [], diskGb: 10})
    await control('DELETE', '/_sim/requests')
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['500'], count: 2, paths: ['/api/v0/instances/']})
    expect((await adapter.getInstance(providerInstanceId))?.providerInstanceId).toBe(providerInstanceId)
    expect((await requests('/api/v0/instances/')).filter((r) => r.method === 'GET')).toHaveLength(3)
  })

  it('reports malformed JSON as ProviderUnavailableError', async () => {
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['malformed'], paths: ['/api/v0/bundles/']})
    await expect(adapter.searchOffers({})).rejects.toBeInstanceOf(ProviderUnavailableError)
  })

  it('never repeats a create that timed out', async () => {
    const quick = makeAdapter(API_KEY, 300)
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['timeout'], count: 1, paths: ['/api/v0/asks/']})
    await expect(quick.createInstance({offerProviderId: '9001', label: 'x', sshPublicKeys: [], diskGb: 10})).rejects.toBeInstanceOf(ProviderUnavailableError)
    expect(await requests('/api/v0/asks/')).toHaveLength(1)
  })

  it('maps a wrong key to ProviderAuthError without echoing the key', async () => {
    const wrongKey = 'wrong-key-0000000000000'
    const stranger = makeAdapter(wrongKey)
    const err = await stranger.listInstances().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderAuthError)
    expect((err as Error).message).not.toContain(wrongKey)
    await expect(stranger.createInstance({offerProviderId: '9001', label: 'x', sshPublicKeys: [], diskGb: 10})).rejects.toBeInstanceOf(ProviderAuthError)
  })
})
