import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {normalizeGpuName} from '../../core/gpu-names.js'
import {toMicroUsd} from '../../core/money.js'
import {startTensorDockSim} from '../../sim/index.js'
import {generateSessionKeyPair} from '../../ssh/keys.js'
import {runRemoteCommand} from '../../ssh/run-command.js'
import {ProviderAuthError, ProviderUnavailableError, StaleInventoryError} from '../errors.js'
import type {ProviderInstance} from '../provider.js'

import {TensorDockAdapter} from './tensordock-adapter.js'

/**
 * The adapter against the simulated TensorDock over real HTTP: what it sends is read back
 * from the simulator's request log, the VM lifecycle is driven by a shared ManualClock, and
 * the keys it installs are proven by logging in over SSH.
 */
const API_TOKEN = 'sim-td-token-5e4d3c2b1a09'
const START = Date.parse('2026-03-01T12:00:00Z')
const CHICAGO = '1a779525-4c04-4f2c-aa45-58b47d54bb38'
const JOPLIN = '0b3c8e2a-9d41-4f7e-8a55-2f61d0c7e913'
const MADRID = '7d2e4c11-5a3b-4f60-9e1d-8b7c6a5f4e3d'

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
let adapter: TensorDockAdapter

function makeAdapter(apiToken = API_TOKEN, timeoutMs = 5000): TensorDockAdapter {
  return new TensorDockAdapter({
    baseUrl: sim.url,
    apiToken,
    clock,
    sleep: async (ms) => {
      waits.push(ms)
    },
    // The limiter is tested on its own; here it must not add waits that hide the retry waits.
    rateLimit: {perSecond: 1000, burst: 1000},
    timeoutMs,
    createTimeoutMs: timeoutMs,
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

function gpu(v0Name: string, displayName: string, price: number, maxCount: number): Record<string, unknown> {
  return {
    v0Name, displayName, max_count: maxCount, price_per_hr: price,
    resources: {max_vcpus: 64, max_ram_gb: 256, max_storage_gb: 2000},
    pricing: {per_vcpu_hr: 0.003, per_gb_ram_hr: 0.002, per_gb_storage_hr: 0.00005},
    network_features: {dedicated_ip_available: true, port_forwarding_available: true, network_storage_available: false},
  }
}

/** The live quirks: tier 4, a raw displayName, a repeated city/state. */
const LOCATIONS = [
  {id: CHICAGO, city: 'Chicago', stateprovince: 'Illinois', country: 'United States', tier: 3, gpus: [
    gpu('geforcertx4090-pcie-24gb', 'NVIDIA GeForce RTX 4090 PCIe 24GB', 0.5, 2),
    gpu('h100-sxm5-80gb', 'H100 SXM5 80GB', 2.25, 8),
  ]},
  {id: JOPLIN, city: 'Joplin', stateprovince: 'Joplin', country: 'United States', tier: 4, gpus: [
    gpu('geforcertx4090-pcie-24gb', 'geforcertx4090-pcie-24gb', 0.45, 1),
  ]},
  {id: MADRID, city: 'Madrid', stateprovince: 'Madrid', country: 'Spain', tier: 2, gpus: [
    gpu('a40-pcie-48gb', 'a40-pcie-48gb', 0.4, 4),
  ]},
]

const {publicKey, privateKey} = generateSessionKeyPair('td-sim-test')

beforeEach(async () => {
  clock = new ManualClock(START)
  waits = []
  sim = await startTensorDockSim({port: 0, seed: 11, clock, apiToken: API_TOKEN})
  await control('POST', '/_sim/offers', {data: {locations: LOCATIONS}, mode: 'replace'})
  adapter = makeAdapter()
})

afterEach(async () => {
  await sim.close()
})

const offerOf = (location: string, v0Name: string, count: number) => `${location}:${v0Name}:${count}`

async function untilState(id: string, wanted: ProviderInstance['state']): Promise<{instance: ProviderInstance; seen: string[]}> {
  const seen: string[] = []
  // Deadline by steps of virtual time: 240 × 250 ms is far beyond the simulator's boot time.
  for (let step = 0; step < 240; step++) {
    const instance = await adapter.getInstance(id)
    if (!instance) throw new Error(`instance ${id} vanished`)
    if (seen.at(-1) !== instance.state) seen.push(instance.state)
    if (instance.state === wanted) return {instance, seen}
    clock.advance(250)
  }
  throw new Error(`instance ${id} never became ${wanted}; saw ${seen.join(' → ')}`)
}

describe('TensorDockAdapter against the simulated TensorDock', () => {
  it('normalises the market into per-count offers, named as Vast.ai names them', async () => {
    const offers = await adapter.searchOffers({})
    const [search] = await requests('/api/v2/locations')
    expect(search?.method).toBe('GET')
    // The simulator's log masks all but the last four characters of a credential
    expect(search?.headers.authorization).toMatch(new RegExp(`^Bearer \\S*${API_TOKEN.slice(-4)}$`))

    expect(offers.map((o) => [o.providerId, o.gpuType]).sort()).toEqual(
      [
        [offerOf(JOPLIN, 'geforcertx4090-pcie-24gb', 1), 'RTX 4090'],
        [offerOf(CHICAGO, 'geforcertx4090-pcie-24gb', 1), 'RTX 4090'],
        [offerOf(CHICAGO, 'geforcertx4090-pcie-24gb', 2), 'RTX 4090'],
        ...[1, 2, 4, 8].map((n) => [offerOf(CHICAGO, 'h100-sxm5-80gb', n), 'H100 80GB SXM']),
        ...[1, 2, 4].map((n) => [offerOf(MADRID, 'a40-pcie-48gb', n), 'A40']),
      ].sort(),
    )
    // The same bucket names the Vast.ai adapter produces for these models
    expect(normalizeGpuName('RTX 4090', 24)).toBe('RTX 4090')
    expect(normalizeGpuName('H100 SXM', 80)).toBe('H100 80GB SXM')
    expect(normalizeGpuName('A40', 48)).toBe('A40')

    const joplin = offers.find((o) => o.providerId === offerOf(JOPLIN, 'geforcertx4090-pcie-24gb', 1))
    expect(joplin).toMatchObject({
      id: `tensordock-${offerOf(JOPLIN, 'geforcertx4090-pcie-24gb', 1)}`, provider: 'tensordock', gpuCount: 1, vramGb: 24,
      location: 'Joplin, United States', countryCode: 'US', reliability: 0.99, available: true, fetchedAt: START,
      // 0.45 + 8 × 0.003 + 32 × 0.002 + 100 × 0.00005
      pricePerHour: toMicroUsd('0.543'),
    })
    expect((await adapter.searchOffers({gpuType: 'rtx4090', location: 'US', minGpuCount: 2})).map((o) => o.providerId)).toEqual([
      offerOf(CHICAGO, 'geforcertx4090-pcie-24gb', 2),
    ])
  })

  it('creates with the label and keys, runs, and lets the key in as user', async () => {
    const label = 'gpu-shopper:dep1:sess1'
    const other = generateSessionKeyPair('second').publicKey
    const offerProviderId = offerOf(JOPLIN, 'geforcertx4090-pcie-24gb', 1)
    const {providerInstanceId} = await adapter.createInstance({offerProviderId, label, sshPublicKeys: [publicKey, other], diskGb: 40})

    const [post] = await requests('/api/v2/instances')
    expect(post).toMatchObject({method: 'POST', path: '/api/v2/instances'})
    expect(post?.body).toMatchObject({
      data: {
        type: 'virtualmachine',
        attributes: {
          name: label, image: 'ubuntu2204', location_id: JOPLIN, useDedicatedIp: true, ssh_key: publicKey,
          resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 1}}},
        },
      },
    })

    const {instance, seen} = await untilState(providerInstanceId, 'running')
    expect(seen[0]).toBe('provisioning')
    expect(instance).toMatchObject({providerInstanceId, label, state: 'running', gpuType: 'RTX 4090', gpuCount: 1})
    expect(instance.ssh?.user).toBe('user')
    expect(instance.pricePerHour).toBeGreaterThan(0)
    const ssh = instance.ssh
    if (!ssh) throw new Error('no SSH endpoint')

    // cloud-init runs after the VM reports running: retry the login while virtual time passes
    let output: string | null = null
    let lastError: unknown = null
    for (let step = 0; step < 40 && output === null; step++) {
      try {
        const result = await runRemoteCommand({host: ssh.host, port: ssh.port, user: ssh.user, privateKey, hostKeyFingerprint: null}, 'nvidia-smi -L', 5000)
        expect(result.exitCode).toBe(0)
        output = result.stdout
      } catch (err) {
        lastError = err
        clock.advance(250)
      }
    }
    if (output === null) throw new Error(`never logged in: ${String(lastError)}`)
    // The simulator's shared fake nvidia-smi reports one fixed model whatever was rented
    expect(output).toMatch(/^GPU 0: NVIDIA /m)
  })

  it('maps a location taken off the market to StaleInventoryError', async () => {
    await control('DELETE', `/_sim/offers/${CHICAGO}:geforcertx4090-pcie-24gb`)
    const offerProviderId = offerOf(CHICAGO, 'geforcertx4090-pcie-24gb', 1)
    const err = await adapter.createInstance({offerProviderId, label: 'x', sshPublicKeys: [publicKey], diskGb: 100}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StaleInventoryError)
    expect((err as StaleInventoryError).offerProviderId).toBe(offerProviderId)

    await control('DELETE', `/_sim/offers/${MADRID}`)
    await expect(
      adapter.createInstance({offerProviderId: offerOf(MADRID, 'a40-pcie-48gb', 1), label: 'y', sshPublicKeys: [publicKey], diskGb: 100}),
    ).rejects.toBeInstanceOf(StaleInventoryError)

    // And a node without public IPs for the dedicated IP we always ask for (BUG-010)
    await control('POST', '/_sim/config', {stale: 'no_public_ips'})
    const noIp = await adapter
      .createInstance({offerProviderId: offerOf(JOPLIN, 'geforcertx4090-pcie-24gb', 1), label: 'z', sshPublicKeys: [publicKey], diskGb: 100})
      .catch((e: unknown) => e)
    expect(noIp).toBeInstanceOf(StaleInventoryError)
    expect((noIp as Error).message).toMatch(/No available public IPs/)
  })

  it('lists instances by name prefix, in both list shapes', async () => {
    const offer = offerOf(CHICAGO, 'h100-sxm5-80gb', 1)
    const mine1 = await adapter.createInstance({offerProviderId: offer, label: 'gpu-shopper:depA:s1', sshPublicKeys: [publicKey], diskGb: 100})
    const mine2 = await adapter.createInstance({offerProviderId: offer, label: 'gpu-shopper:depA:s2', sshPublicKeys: [publicKey], diskGb: 100})
    await adapter.createInstance({offerProviderId: offer, label: 'gpu-shopper:depB:s3', sshPublicKeys: [publicKey], diskGb: 100})
    const expected = [mine1.providerInstanceId, mine2.providerInstanceId].sort()

    const found = await adapter.listInstances({labelPrefix: 'gpu-shopper:depA:'})
    expect(found.map((i) => i.providerInstanceId).sort()).toEqual(expected)
    expect(await adapter.listInstances()).toHaveLength(3)

    await control('POST', '/_sim/config', {list_shape: 'array', list_items: 'flat'})
    const flat = await adapter.listInstances({labelPrefix: 'gpu-shopper:depA:'})
    expect(flat.map((i) => i.providerInstanceId).sort()).toEqual(expected)
  })

  it('destroys idempotently: twice is fine, and the instance reads as gone', async () => {
    const {providerInstanceId} = await adapter.createInstance({offerProviderId: offerOf(CHICAGO, 'h100-sxm5-80gb', 1), label: 'x', sshPublicKeys: [publicKey], diskGb: 100})
    await adapter.destroyInstance(providerInstanceId)
    await adapter.destroyInstance(providerInstanceId)
    expect(await adapter.getInstance(providerInstanceId)).toBeNull()
    const deletes = (await requests(`/api/v2/instances/${providerInstanceId}`)).filter((r) => r.method === 'DELETE')
    expect(deletes).toHaveLength(2)
  })

  it('retries a 429, with and without Retry-After', async () => {
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['429'], retry_after_seconds: 2, count: 2})
    expect((await adapter.searchOffers({})).length).toBeGreaterThan(0)
    expect(waits).toEqual([2000, 2000])
    expect(await requests('/api/v2/locations')).toHaveLength(3)

    waits.length = 0
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['429'], count: 2})
    expect((await adapter.searchOffers({})).length).toBeGreaterThan(0)
    expect(waits).toEqual([1000, 2000])
  })

  it('retries a 500 on get', async () => {
    const {providerInstanceId} = await adapter.createInstance({offerProviderId: offerOf(CHICAGO, 'h100-sxm5-80gb', 1), label: 'x', sshPublicKeys: [publicKey], diskGb: 100})
    await control('DELETE', '/_sim/requests')
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['500'], count: 2, paths: ['/api/v2/instances/']})
    expect((await adapter.getInstance(providerInstanceId))?.providerInstanceId).toBe(providerInstanceId)
    expect((await requests('/api/v2/instances/')).filter((r) => r.method === 'GET')).toHaveLength(3)
  })

  it('reports malformed JSON as ProviderUnavailableError', async () => {
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['malformed'], paths: ['/api/v2/locations']})
    await expect(adapter.searchOffers({})).rejects.toBeInstanceOf(ProviderUnavailableError)
  })

  it('never repeats a create that timed out', async () => {
    const quick = makeAdapter(API_TOKEN, 300)
    await control('POST', '/_sim/faults', {rate: 1, kinds: ['timeout'], count: 1, paths: ['/api/v2/instances']})
    await expect(
      quick.createInstance({offerProviderId: offerOf(CHICAGO, 'h100-sxm5-80gb', 1), label: 'x', sshPublicKeys: [publicKey], diskGb: 100}),
    ).rejects.toBeInstanceOf(ProviderUnavailableError)
    expect((await requests('/api/v2/instances')).filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('maps a wrong token to ProviderAuthError without echoing it', async () => {
    const wrongToken = 'wrong-token-000000000000'
    const stranger = makeAdapter(wrongToken)
    const err = await stranger.listInstances().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ProviderAuthError)
    expect((err as Error).message).not.toContain(wrongToken)
    await expect(stranger.searchOffers({})).rejects.toBeInstanceOf(ProviderAuthError)
    await expect(
      stranger.createInstance({offerProviderId: offerOf(CHICAGO, 'h100-sxm5-80gb', 1), label: 'x', sshPublicKeys: [publicKey], diskGb: 100}),
    ).rejects.toBeInstanceOf(ProviderAuthError)
  })
})
