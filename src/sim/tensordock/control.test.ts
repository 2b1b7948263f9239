import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {simControl} from '../control/control-client.js'
import type {LoggedRequest} from '../shared/request-log.js'
import {startTensorDockSim, type TensorDockSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const TOKEN = 'td-control-token-abcdef987654'

let sim: TensorDockSimHandle
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startTensorDockSim({clock, seed: 5, apiToken: TOKEN})
})

afterEach(async () => {
  await sim.close()
})

function get(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(sim.url + '/api/v2' + path, {...init, headers: {Authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {})}})
}

describe('orphans and ghosts through /_sim/instances', () => {
  it('adds an already-running VM with any name, which the API then lists and can delete', async () => {
    const made = await simControl<any>(sim.url, 'POST', '/_sim/instances', {name: 'someone-elses-vm', v0Name: 'geforcertx4090-pcie-24gb'})
    expect(made.instance).toMatchObject({name: 'someone-elses-vm', status: 'running', ipAddress: '127.0.0.1'})
    const list = (await (await get('/instances')).json()) as any
    expect(list.data.instances.map((i: any) => i.attributes.name)).toEqual(['someone-elses-vm'])
    const pinned = await simControl<any>(sim.url, 'POST', '/_sim/instances', {name: 'broken', status: 'stoppeddisassociated'})
    expect(pinned.instance.status).toBe('stoppeddisassociated')
    expect((await get(`/instances/${made.id}`, {method: 'DELETE'})).status).toBe(200)
    const all = await simControl<any>(sim.url, 'GET', '/_sim/instances')
    expect(all.instances.find((i: any) => i.id === made.id).sim.deleted_at).toBe(START)
  })

  it('makes a ghost: the VM vanishes, GET and DELETE answer 404', async () => {
    const {id} = await simControl<any>(sim.url, 'POST', '/_sim/instances', {name: 'shopper-ghost'})
    await simControl(sim.url, 'DELETE', `/_sim/instances/${id}`)
    expect((await get(`/instances/${id}`)).status).toBe(404)
    expect((await get(`/instances/${id}`, {method: 'DELETE'})).status).toBe(404)
    expect((await simControl<any>(sim.url, 'GET', '/_sim/instances')).instances).toEqual([])
  })
})

describe('faults', () => {
  it('answers 429 (Retry-After only when asked), 500 and malformed JSON, then stops after count', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['429'], count: 1})
    const limited = await get('/locations')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBeNull()
    expect(await limited.json()).toEqual({error: expect.any(String)})
    expect((await get('/locations')).status).toBe(200)
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['500'], paths: ['/api/v2/instances']})
    expect((await get('/instances')).status).toBe(500)
    expect((await get('/locations')).status).toBe(200)
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['malformed']})
    const bad = await get('/locations')
    expect(bad.status).toBe(200)
    await expect(bad.json()).rejects.toThrow()
    await simControl(sim.url, 'DELETE', '/_sim/faults')
    expect((await get('/locations')).status).toBe(200)
  })

  it('hangs on timeout until the client gives up', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['timeout']})
    const controller = new AbortController()
    const attempt = get('/locations', {signal: controller.signal})
    controller.abort()
    await expect(attempt).rejects.toThrow()
  })
})

describe('rate limit and slow mode', () => {
  it('allows 100 requests a minute per token when on, then 429 {"error"} without Retry-After unless configured', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {rate_limit: {enabled: true}})
    for (let i = 0; i < 100; i++) expect((await get('/instances')).status).toBe(200)
    const refused = await get('/instances')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toBeNull()
    expect(await refused.json()).toEqual({error: expect.any(String)})
    await simControl(sim.url, 'POST', '/_sim/config', {rate_limit: {retry_after: true}})
    expect((await get('/instances')).headers.get('retry-after')).toBe('60')
    clock.advance(60_000)
    expect((await get('/instances')).status).toBe(200)
  })

  it('adds the configured latency to every provider response', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {latency_ms: 40})
    const started = performance.now()
    expect((await get('/locations')).status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(35)
  })
})

describe('config, request log and reset', () => {
  it('shows the defaults and refuses unknown settings with a message', async () => {
    const {config} = await simControl<any>(sim.url, 'GET', '/_sim/config')
    expect(config).toMatchObject({
      timings: {creating_ms: 500, ip_assign_ms: 1000, cloud_init_ms: 1500},
      outcome: 'running', list_shape: 'instances', list_items: 'attributes', port_forwards: 'honour', stale: 'off',
      ssh_key_attribute: 'ignored', create_status: 201, rate_limit: {enabled: false, per_minute: 100, retry_after: false},
    })
    await expect(simControl(sim.url, 'POST', '/_sim/config', {stale: 'sometimes'})).rejects.toThrow(/no_nodes/)
    await expect(simControl(sim.url, 'POST', '/_sim/config', {bogus: 1})).rejects.toThrow(/unknown setting/)
  })

  it('records provider requests with secrets masked', async () => {
    await fetch(`${sim.url}/api/v2/locations?api_key=my-auth-id-1234&api_token=${TOKEN}`)
    await get('/instances')
    const {requests} = await simControl<{requests: LoggedRequest[]}>(sim.url, 'GET', '/_sim/requests')
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v2/locations', 'GET /api/v2/instances'])
    expect(requests[0]!.query).toEqual({api_key: '****1234', api_token: '****7654'})
    expect(requests[1]!.headers.authorization).toBe('Bearer ****7654')
    expect(JSON.stringify(requests)).not.toContain(TOKEN)
  })

  it('resets to the start state: same market, no instances, default config', async () => {
    const before = await (await get('/locations')).json()
    await simControl(sim.url, 'POST', '/_sim/instances', {name: 'x'})
    await simControl(sim.url, 'POST', '/_sim/config', {list_shape: 'array'})
    await simControl(sim.url, 'POST', '/_sim/reset')
    expect(await (await get('/instances')).json()).toEqual({data: {instances: []}})
    expect(await (await get('/locations')).json()).toEqual(before)
  })
})
