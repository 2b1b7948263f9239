import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {asMicroUsd, costForDuration} from '../../core/money.js'
import {simControl} from '../control/control-client.js'
import {startVastSim, type VastSimHandle} from './server.js'

/** Replies are asserted field by field below; a loose type keeps those assertions readable. */
 
type Loose = any

const START = Date.parse('2026-11-22T23:00:00Z')
const KEY = 'vast-test-key-0123456789abcdef'
const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0b0TqC8sWq6a8cO1uQHj3Yy1Uq2Xo2nZ8Wc7b8u9v sim@test'

/** vast.py `create instance` body (providers.md §1.13). */
function createBody(label: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: 'me', image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04', env: {FOO: 'bar', '-p 8000:8000': '1'}, price: null, disk: 50.0,
    label, extra: null, onstart: 'echo hi', image_login: null, python_utf8: false, lang_utf8: false, use_jupyter_lab: false,
    jupyter_dir: null, force: false, cancel_unavail: false, template_hash_id: null, user: null, runtype: 'ssh_direc ssh_proxy', ...extra,
  }
}

const OFFERS = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008].map((id) => ({
  id, gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, dph_base: 0.3, storage_cost: 0.144, min_bid: 0.1,
  geolocation: 'Texas, US', verified: true, rentable: true, rented: false,
}))

let sim: VastSimHandle
let clock: ManualClock

async function api(method: string, path: string, body?: unknown, key: string | null = KEY): Promise<{status: number; json: Loose; headers: Headers}> {
  const headers: Record<string, string> = {}
  if (key !== null) headers.Authorization = `Bearer ${key}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(sim.url + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)})
  const text = await res.text()
  const isJson = res.headers.get('content-type') === 'application/json'
  return {status: res.status, json: text && isJson ? JSON.parse(text) : text, headers: res.headers}
}

async function create(offerId: number, label = 'gpu-shopper:dep1:sess1', extra: Record<string, unknown> = {}): Promise<number> {
  const res = await api('PUT', `/api/v0/asks/${offerId}/`, createBody(label, extra))
  expect(res.status).toBe(200)
  expect(res.json).toEqual({success: true, new_contract: expect.any(Number)})
  return res.json.new_contract as number
}

async function show(id: number): Promise<Loose> {
  const res = await api('GET', `/api/v0/instances/${id}/?owner=me`)
  expect(res.status).toBe(200)
  return res.json.instances
}

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startVastSim({clock, seed: 42, apiKey: KEY, timings: {provisioningMs: 1000, createdMs: 2000, loadingMs: 3000}})
  await simControl(sim.url, 'POST', '/_sim/offers', {offers: OFFERS})
})

afterEach(async () => {
  await sim.close()
})

describe('renting an offer', () => {
  it('rents an ask id once: the second create gets the exact no_such_ask reply with 400', async () => {
    await create(1001)
    const again = await api('PUT', '/api/v0/asks/1001/', createBody('other'))
    expect(again.status).toBe(400)
    expect(again.headers.get('content-type')).toBe('application/json')
    expect(again.json).toEqual({
      success: false,
      error: 'invalid_args',
      msg: 'error 404/3603: no_such_ask  Instance type by id 1001 is not available.',
      ask_id: 1001,
    })
    // The offer is now rented, so the default search no longer shows it
    const search = await api('POST', '/api/v0/bundles/', {id: {eq: 1001}})
    expect(search.json.offers).toEqual([])
  })

  it('answers an unknown or withdrawn offer the same way, with the status the control API chose', async () => {
    await simControl(sim.url, 'DELETE', '/_sim/offers/1002')
    expect((await api('PUT', '/api/v0/asks/1002/', createBody('x'))).json.msg).toContain('no_such_ask')
    await simControl(sim.url, 'POST', '/_sim/config', {stale_status: 410})
    const gone = await api('PUT', '/api/v0/asks/99999999/', createBody('x'))
    expect(gone.status).toBe(410)
    expect(gone.json.ask_id).toBe(99999999)
  })

  it('rejects a create without a valid key with the exact auth error', async () => {
    for (const key of [null, 'not-the-key']) {
      const res = await api('PUT', '/api/v0/asks/1003/', createBody('x'), key)
      expect(res.status).toBe(401)
      expect(res.json).toEqual({success: false, error: 'auth_error', msg: 'Invalid user key'})
    }
    // ?api_key= works too
    const viaQuery = await api('PUT', `/api/v0/asks/1003/?api_key=${KEY}`, createBody('x'), null)
    expect(viaQuery.json.success).toBe(true)
  })

  it('accepts any non-empty key when started without one', async () => {
    const open = await startVastSim({clock, seed: 1, offerCount: 10})
    try {
      const res = await fetch(`${open.url}/api/v0/instances/`, {headers: {Authorization: 'Bearer anything'}})
      expect(res.status).toBe(200)
      expect((await fetch(`${open.url}/api/v0/instances/`)).status).toBe(401)
    } finally {
      await open.close()
    }
  })

  it('validates the body like the API: env must be a dict, image is required', async () => {
    expect((await api('PUT', '/api/v0/asks/1004/', createBody('x', {env: '-e FOO=bar'}))).status).toBe(400)
    expect((await api('PUT', '/api/v0/asks/1004/', createBody('x', {image: undefined}))).status).toBe(400)
    // A failed validation does not consume the offer
    expect((await api('PUT', '/api/v0/asks/1004/', createBody('x'))).json.success).toBe(true)
  })

  it('leaves an under-bid spot instance stopped and still answers with its new_contract when configured', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {underbid: 'stopped'})
    const res = await api('PUT', '/api/v0/asks/1005/', createBody('spot', {price: 0.05}))
    expect(res.json).toMatchObject({success: false, new_contract: expect.any(Number)})
    clock.advance(60_000)
    expect(await show(res.json.new_contract)).toMatchObject({actual_status: 'stopped', intended_status: 'stopped', cur_state: 'stopped', next_state: 'stopped', is_bid: true})
  })
})

describe('the instance lifecycle on the injected clock', () => {
  it('goes null → created → loading → running and only then shows how to reach it', async () => {
    const id = await create(1001)
    const early = await show(id)
    expect(early).toMatchObject({id, actual_status: null, intended_status: 'running', label: 'gpu-shopper:dep1:sess1', ssh_host: null, ssh_port: null, ports: null})
    expect(early.extra_env).toEqual([['FOO', 'bar'], ['-p 8000:8000', '1']])
    expect(typeof early.start_date).toBe('number')
    expect(early.start_date).toBe(START / 1000)
    expect(early.dph_total).toBeCloseTo(0.3 + (50 * 0.144) / 720, 12)
    expect(early.image_runtype).toBe('ssh_direc ssh_proxy')

    clock.advance(1000)
    expect((await show(id)).actual_status).toBe('created')
    clock.advance(2000)
    expect(await show(id)).toMatchObject({actual_status: 'loading', ssh_host: null})
    clock.advance(3000)
    const running = await show(id)
    expect(running).toMatchObject({actual_status: 'running', cur_state: 'running', next_state: 'running', ssh_host: '127.0.0.1', public_ipaddr: '127.0.0.1', gpu_name: 'RTX 4090', num_gpus: 1, gpu_ram: 24564, gpu_util: 0})
    expect(running.status_msg).toContain('success, running')
    expect(typeof running.ssh_port).toBe('number')
    expect(running.ports['22/tcp']).toEqual([{HostIp: '0.0.0.0', HostPort: String(running.ssh_port)}])
    expect(typeof running.ports['8000/tcp'][0].HostPort).toBe('string')
  })

  it.each([
    ['exited', {actual_status: 'exited', intended_status: 'running'}],
    ['offline', {actual_status: 'offline'}],
    ['unknown', {actual_status: 'unknown'}],
    ['outbid', {actual_status: 'stopped', intended_status: 'stopped', cur_state: 'stopped', next_state: 'stopped'}],
  ])('ends %s when that outcome is configured', async (outcome, expected) => {
    await simControl(sim.url, 'POST', '/_sim/config', {outcome, timings: {fail_after_ms: 10_000}})
    const id = await create(1001)
    clock.advance(6000)
    expect((await show(id)).actual_status).toBe('running')
    clock.advance(10_000)
    expect(await show(id)).toMatchObject(expected)
  })

  it('stays created with an OCI error when the container can never start', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {outcome: 'created'})
    const id = await create(1001)
    clock.advance(3_600_000)
    const stuck = await show(id)
    expect(stuck.actual_status).toBe('created')
    expect(stuck.status_msg).toContain(': OCI runtime create failed:')
  })

  it('stops, starts and relabels through PUT /instances/{id}/', async () => {
    const id = await create(1001)
    clock.advance(6000)
    expect((await api('PUT', `/api/v0/instances/${id}/`, {state: 'stopped'})).json).toEqual({success: true})
    expect(await show(id)).toMatchObject({actual_status: 'stopped', intended_status: 'stopped'})
    await api('PUT', `/api/v0/instances/${id}/`, {state: 'running'})
    expect((await show(id)).actual_status).toBe(null)
    clock.advance(6000)
    expect((await show(id)).actual_status).toBe('running')
    await api('PUT', `/api/v0/instances/${id}/`, {label: 'gpu-shopper:dep2:sess9'})
    expect((await show(id)).label).toBe('gpu-shopper:dep2:sess9')
  })

  it('reads a destroyed instance as 200 {"instances": null}; a second destroy says no_such_instance', async () => {
    const id = await create(1001)
    const first = await api('DELETE', `/api/v0/instances/${id}/`, {})
    expect(first.status).toBe(200)
    expect(first.json).toMatchObject({success: true, msg: expect.any(String)})
    const gone = await api('GET', `/api/v0/instances/${id}/?owner=me`)
    expect(gone.status).toBe(200)
    expect(gone.json).toEqual({instances: null})
    const second = await api('DELETE', `/api/v0/instances/${id}/`, {})
    expect(second.json).toMatchObject({success: false, error: 'no_such_instance', msg: expect.any(String)})
    await simControl(sim.url, 'POST', '/_sim/config', {destroy_unknown: 'not_found'})
    const third = await api('DELETE', `/api/v0/instances/${id}/`, {})
    expect(third.status).toBe(404)
    expect(third.json).toEqual({success: false, error: 'not_found', msg: 'Instance not found'})
  })

  it('charges credit over time: storage from creation, compute only while running', async () => {
    const before = (await api('GET', '/api/v0/users/current')).json.credit as number
    await create(1001)
    clock.advance(6000)
    const atRunning = (await api('GET', '/api/v0/users/current/')).json.credit as number
    clock.advance(3_600_000)
    const user = (await api('GET', '/api/v0/users/current')).json
    expect(user).toMatchObject({id: expect.any(Number), email: expect.any(String)})
    // Billed in whole micro-dollars, each part rounded once from its start: 50 GB at
    // $0.144/GB/month is 10,000 µ$/h of storage, and $0.30/h of compute once running (6 s in).
    const charged = (storageMs: number, runningMs: number) => costForDuration(asMicroUsd(10_000), storageMs) + costForDuration(asMicroUsd(300_000), runningMs)
    expect(Math.round((before - atRunning) * 1e6)).toBe(charged(6000, 0))
    expect(Math.round((atRunning - user.credit) * 1e6)).toBe(charged(3_606_000, 3_600_000) - charged(6000, 0))
  })
})

describe('listing instances', () => {
  it('pages GET /api/v1/instances/ with next_token and filters on stored columns', async () => {
    const ids: number[] = []
    for (const offer of OFFERS.slice(0, 7)) ids.push(await create(offer.id, offer.id % 2 ? 'gpu-shopper:A:x' : 'other'))
    const order = encodeURIComponent(JSON.stringify([{col: 'id', dir: 'asc'}]))
    const page1 = await api('GET', `/api/v1/instances/?select_filters=%7B%7D&order_by=${order}&limit=3`)
    expect(page1.json).toMatchObject({success: true, instances_found: 7, total_instances: 7, label_counts: {'gpu-shopper:A:x': 4, other: 3}})
    expect(page1.json.instances.map((i: {id: number}) => i.id)).toEqual(ids.slice(0, 3))
    const page2 = await api('GET', `/api/v1/instances/?order_by=${order}&limit=3&after_token=${encodeURIComponent(page1.json.next_token)}`)
    const page3 = await api('GET', `/api/v1/instances/?order_by=${order}&limit=3&after_token=${encodeURIComponent(page2.json.next_token)}`)
    expect([...page2.json.instances, ...page3.json.instances].map((i: {id: number}) => i.id)).toEqual(ids.slice(3))
    expect(page3.json.next_token).toBeNull()

    const filtered = await api('GET', `/api/v1/instances/?select_filters=${encodeURIComponent(JSON.stringify({label: {eq: 'other'}}))}&select_cols=${encodeURIComponent('["id","label"]')}`)
    expect(filtered.json.instances).toHaveLength(3)
    expect(Object.keys(filtered.json.instances[0]).sort()).toEqual(['id', 'label'])
    // vast.py encodes the JSON with quote_plus: spaces arrive as '+'
    const plus = await api('GET', '/api/v1/instances/?select_filters=%7B%7D&order_by=%5B%7B%22col%22%3A+%22id%22%2C+%22dir%22%3A+%22desc%22%7D%5D&limit=25')
    expect(plus.json.instances[0].id).toBe(ids[6])
  })

  it('caps limit at 25, treats 0 as 5, and refuses bad tokens and computed columns with 400', async () => {
    for (const offer of OFFERS) await create(offer.id)
    expect((await api('GET', '/api/v1/instances/?limit=0')).json.instances).toHaveLength(5)
    expect((await api('GET', '/api/v1/instances/?limit=100')).json.instances).toHaveLength(8)
    expect((await api('GET', '/api/v1/instances/?after_token=bogus')).status).toBe(400)
    const computed = await api('GET', `/api/v1/instances/?select_filters=${encodeURIComponent('{"dph_total":{"lt":1}}')}`)
    expect(computed.status).toBe(400)
  })

  it('serves the legacy list, and hides new instances for the configured list lag', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {list_lag_ms: 120_000})
    const id = await create(1001)
    expect((await api('GET', '/api/v0/instances/')).json).toEqual({instances: []})
    expect((await show(id)).id).toBe(id)
    clock.advance(120_000)
    expect((await api('GET', '/api/v0/instances/')).json.instances.map((i: {id: number}) => i.id)).toEqual([id])
  })
})

describe('SSH keys on the API', () => {
  it('attaches a public key and refuses private keys and non-ssh strings', async () => {
    const id = await create(1001)
    expect((await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: PUBLIC_KEY})).json).toMatchObject({success: true})
    expect((await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----'})).status).toBe(400)
    expect((await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: 'hello'})).status).toBe(400)
  })

  it('keeps account keys under /api/v0/ssh/', async () => {
    const added = await api('POST', '/api/v0/ssh/', {ssh_key: PUBLIC_KEY})
    expect(added.json).toMatchObject({success: true, key: {id: expect.any(Number), key: PUBLIC_KEY}})
    expect((await api('GET', '/api/v0/ssh/')).json).toHaveLength(1)
    expect((await api('DELETE', `/api/v0/ssh/${added.json.key.id}/`)).json).toEqual({success: true})
    expect((await api('GET', '/api/v0/ssh/')).json).toEqual([])
  })
})

describe('rate limiting, when switched on', () => {
  it('answers 429 in plain text with no Retry-After inside the endpoint interval', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {rate_limit: {mode: 'text'}})
    const id = await create(1001)
    expect((await api('GET', `/api/v0/instances/${id}/`)).status).toBe(200)
    const limited = await fetch(`${sim.url}/api/v0/instances/${id}/`, {headers: {Authorization: `Bearer ${KEY}`}})
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBeNull()
    expect(await limited.text()).toBe('API requests too frequent: endpoint threshold=2.0*1.0')
    clock.advance(2000)
    expect((await api('GET', `/api/v0/instances/${id}/`)).status).toBe(200)
    // Create has its own, longer interval
    expect((await api('PUT', '/api/v0/asks/1002/', createBody('x'))).status).toBe(429)
  })
})

describe('unknown paths', () => {
  it('answers 404 JSON, and needs the trailing slash like the real API', async () => {
    const res = await api('GET', '/api/v0/nope/')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(res.json).toMatchObject({success: false})
    expect((await api('POST', '/api/v0/bundles', {})).status).toBe(404)
  })
})
