import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {simControl} from '../control/control-client.js'
import type {LoggedRequest} from '../shared/request-log.js'
import {startVastSim, type VastSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const KEY = 'vast-control-key-abcdef987654'

let sim: VastSimHandle
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startVastSim({clock, seed: 42, apiKey: KEY, offerCount: 200})
})

afterEach(async () => {
  await sim.close()
})

function get(path: string, signal?: AbortSignal): Promise<Response> {
  return fetch(sim.url + path, {headers: {Authorization: `Bearer ${KEY}`}, ...(signal ? {signal} : {})})
}

async function firstOfferId(): Promise<number> {
  const res = await fetch(`${sim.url}/api/v0/bundles/`, {method: 'POST', body: JSON.stringify({limit: 1})})
  return ((await res.json()) as {offers: {id: number}[]}).offers[0]!.id
}

describe('fault injection at rate 1', () => {
  it('answers 429 with Retry-After only when asked, then stops after count', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['429'], retry_after_seconds: 3, count: 1})
    const limited = await get('/api/v0/instances/')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3')
    expect((await get('/api/v0/instances/')).status).toBe(200)
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['429']})
    expect((await get('/api/v0/instances/')).headers.get('retry-after')).toBeNull()
  })

  it('answers 500 and malformed JSON, only on the chosen paths, until cleared', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['500'], paths: ['/api/v0/users/']})
    expect((await get('/api/v0/users/current')).status).toBe(500)
    expect((await get('/api/v0/instances/')).status).toBe(200)
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['malformed']})
    const bad = await get('/api/v0/instances/')
    expect(bad.status).toBe(200)
    expect(bad.headers.get('content-type')).toBe('application/json')
    await expect(bad.json()).rejects.toThrow()
    await simControl(sim.url, 'DELETE', '/_sim/faults')
    expect((await get('/api/v0/instances/')).status).toBe(200)
  })

  it('hangs on timeout until the client gives up, and does not create anything', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['timeout'], paths: ['/api/v0/asks/']})
    const offerId = await firstOfferId()
    const attempt = fetch(`${sim.url}/api/v0/asks/${offerId}/`, {
      method: 'PUT',
      headers: {Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({client_id: 'me', image: 'img', disk: 10, label: 'gpu-shopper:d:s'}),
      signal: AbortSignal.timeout(150),
    })
    await expect(attempt).rejects.toThrow()
    const list = (await (await get('/api/v0/instances/')).json()) as {instances: unknown[]}
    expect(list.instances).toEqual([])
  })

  it('loses the answer after doing the work with timeout_after: the create happened', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['timeout_after'], count: 1, paths: ['/api/v0/asks/']})
    const offerId = await firstOfferId()
    const attempt = fetch(`${sim.url}/api/v0/asks/${offerId}/`, {
      method: 'PUT',
      headers: {Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json'},
      body: JSON.stringify({client_id: 'me', image: 'img', disk: 10, label: 'gpu-shopper:d:s'}),
      signal: AbortSignal.timeout(150),
    })
    await expect(attempt).rejects.toThrow()
    const list = (await (await get('/api/v0/instances/')).json()) as {instances: {label: string}[]}
    expect(list.instances.map((i) => i.label)).toEqual(['gpu-shopper:d:s'])
  })

  it('never holds a request past close()', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['timeout']})
    const hanging = get('/api/v0/instances/').then(
      () => 'answered',
      () => 'cut',
    )
    await waitFor(async () => (await simControl<{requests: unknown[]}>(sim.url, 'GET', '/_sim/requests')).requests.length === 1)
    await sim.close()
    expect(await hanging).toBe('cut')
  })

  it('draws the same faults for the same seed at a fractional rate', async () => {
    const pattern = async (s: VastSimHandle) => {
      await simControl(s.url, 'POST', '/_sim/faults', {rate: 0.5, kinds: ['500']})
      const statuses: number[] = []
      for (let i = 0; i < 12; i++) statuses.push((await fetch(`${s.url}/api/v0/gpu_names/unique/`)).status)
      return statuses
    }
    const other = await startVastSim({clock, seed: 42, offerCount: 10})
    try {
      const a = await pattern(sim)
      expect(a).toContain(500)
      expect(a).toContain(200)
      expect(await pattern(other)).toEqual(a)
    } finally {
      await other.close()
    }
  })
})

describe('orphans, ghosts and the request log', () => {
  it('creates an orphan with any label, running at once, visible to the API', async () => {
    const {new_contract: id} = await simControl<{new_contract: number}>(sim.url, 'POST', '/_sim/instances', {
      label: 'gpu-shopper:dep1:old-session',
      gpu_name: 'H100 SXM',
      num_gpus: 2,
      dph_total: 4.5,
    })
    const shown = (await (await get(`/api/v0/instances/${id}/`)).json()) as {instances: Record<string, unknown>}
    expect(shown.instances).toMatchObject({label: 'gpu-shopper:dep1:old-session', actual_status: 'running', gpu_name: 'H100 SXM', num_gpus: 2})
    expect(shown.instances.dph_total).toBeCloseTo(4.5, 9)
    const pinned = await simControl<{new_contract: number}>(sim.url, 'POST', '/_sim/instances', {label: 'x', actual_status: 'loading'})
    clock.advance(3_600_000)
    const still = (await (await get(`/api/v0/instances/${pinned.new_contract}/`)).json()) as {instances: {actual_status: string}}
    expect(still.instances.actual_status).toBe('loading')
  })

  it('makes a ghost: the instance vanishes without notice and reads as null', async () => {
    const {new_contract: id} = await simControl<{new_contract: number}>(sim.url, 'POST', '/_sim/instances', {label: 'gpu-shopper:dep1:s1'})
    await simControl(sim.url, 'DELETE', `/_sim/instances/${id}`)
    expect(await (await get(`/api/v0/instances/${id}/`)).json()).toEqual({instances: null})
    const list = await simControl<{instances: unknown[]}>(sim.url, 'GET', '/_sim/instances')
    expect(list.instances).toEqual([])
  })

  it('records every provider request with the key masked to its last 4 characters', async () => {
    await fetch(`${sim.url}/api/v0/bundles/?api_key=${KEY}`, {method: 'POST', headers: {Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json'}, body: '{"limit": 2}'})
    await simControl(sim.url, 'GET', '/_sim/info')
    const {requests} = await simControl<{requests: LoggedRequest[]}>(sim.url, 'GET', '/_sim/requests')
    expect(requests).toHaveLength(1)
    expect(requests[0]).toMatchObject({method: 'POST', path: '/api/v0/bundles/', query: {api_key: '****7654'}, body: {limit: 2}, at: START})
    expect(requests[0]!.headers.authorization).toBe('Bearer ****7654')
    expect(JSON.stringify(requests)).not.toContain(KEY)
  })

  it('resets to the seeded market with no instances', async () => {
    const before = await firstOfferId()
    await simControl(sim.url, 'POST', '/_sim/offers', {offers: [{id: 5}]})
    await simControl(sim.url, 'POST', '/_sim/instances', {label: 'x'})
    await simControl(sim.url, 'POST', '/_sim/reset')
    expect((await simControl<{requests: unknown[]}>(sim.url, 'GET', '/_sim/requests')).requests).toHaveLength(0)
    expect(await firstOfferId()).toBe(before)
    expect((await simControl<{instances: unknown[]}>(sim.url, 'GET', '/_sim/instances')).instances).toEqual([])
  })

  it('refuses a bad control body with 400 and says why', async () => {
    await expect(simControl(sim.url, 'POST', '/_sim/faults', {rate: 2})).rejects.toThrow(/400.*rate/)
    await expect(simControl(sim.url, 'POST', '/_sim/config', {outcome: 'exploded'})).rejects.toThrow(/400.*outcome/)
  })
})

/** Polls with a deadline instead of sleeping a fixed time. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error('condition not met before the deadline')
}
