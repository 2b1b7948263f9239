import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {simControl} from '../control/control-client.js'
import {probePort} from '../shared/port-test-client.js'
import {startTensorDockSim, type TensorDockSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const TOKEN = 'td-token-instances-777'
const LOC = '1a779525-4c04-4f2c-aa45-58b47d54bb38'
const NO_IP_LOC = '2b779525-4c04-4f2c-aa45-58b47d54bb39'
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl shopper@test'
const PRICING = {per_vcpu_hr: 0.003, per_gb_ram_hr: 0.002, per_gb_storage_hr: 0.00005}

let sim: TensorDockSimHandle
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startTensorDockSim({clock, seed: 7, apiToken: TOKEN, timings: {creatingMs: 1000, ipAssignMs: 3000}})
  await simControl(sim.url, 'POST', '/_sim/offers', {
    data: {
      locations: [
        {
          id: LOC, city: 'Joplin', stateprovince: 'Missouri', country: 'United States', tier: 4,
          gpus: [{v0Name: 'geforcertx4090-pcie-24gb', max_count: 4, price_per_hr: 0.4, pricing: PRICING, resources: {max_vcpus: 32, max_ram_gb: 128, max_storage_gb: 2000},
            network_features: {dedicated_ip_available: true, port_forwarding_available: true, network_storage_available: false}}],
        },
        {
          id: NO_IP_LOC, city: 'Texas', stateprovince: 'Texas', country: 'United States', tier: 2,
          gpus: [{v0Name: 'geforcertx3090-pcie-24gb', max_count: 1, network_features: {dedicated_ip_available: false, port_forwarding_available: true, network_storage_available: false}}],
        },
      ],
    },
  })
})

afterEach(async () => {
  await sim.close()
})

async function api(method: string, path: string, body?: unknown): Promise<{status: number; json: any; headers: Headers}> {
  const res = await fetch(sim.url + '/api/v2' + path, {
    method,
    headers: {Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  return {status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers}
}

function createBody(attributes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    data: {
      type: 'virtualmachine',
      attributes: {
        name: 'shopper-sess1', type: 'virtualmachine', image: 'ubuntu2204', location_id: LOC,
        resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 1}}},
        useDedicatedIp: true, ssh_key: KEY, ...attributes,
      },
    },
  }
}

async function create(attributes: Record<string, unknown> = {}): Promise<string> {
  const res = await api('POST', '/instances', createBody(attributes))
  expect(res.status).toBe(201)
  return res.json.data.id as string
}

describe('POST /api/v2/instances', () => {
  it('answers {"data":{type,id,name,status}} flat inside data, with no IP', async () => {
    const res = await api('POST', '/instances', createBody())
    expect(res.status).toBe(201)
    expect(res.json).toEqual({data: {type: 'virtualmachine', id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'shopper-sess1', status: 'running'}})
  })

  it('rejects bad bodies with 400 and a JSON array of {code,message,path}', async () => {
    const res = await api('POST', '/instances', {
      data: {type: 'vm', attributes: {name: '', image: 'ubuntu1804', location_id: LOC, hostnode_id: LOC, resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 50, gpus: {'rtx4090-24gb': {count: 1}}}, ssh_key: KEY, ssh_key_id: 'k1'}},
    })
    expect(res.status).toBe(400)
    expect(Array.isArray(res.json)).toBe(true)
    for (const issue of res.json) expect(Object.keys(issue).sort()).toEqual(['code', 'message', 'path'])
    const paths = res.json.map((i: any) => i.path.join('.'))
    expect(paths).toEqual(
      expect.arrayContaining([
        'data.type', 'data.attributes.name', 'data.attributes.image', 'data.attributes.resources.storage_gb',
        'data.attributes.resources.gpus.rtx4090-24gb', 'data.attributes',
      ]),
    )
    expect(res.json.find((i: any) => i.path.join('.') === 'data.attributes.resources.storage_gb').message).toMatch(/100/)
    // Neither key, and no body at all
    const noKey = await api('POST', '/instances', createBody({ssh_key: undefined}))
    expect(noKey.json).toEqual([expect.objectContaining({path: ['data', 'attributes', 'ssh_key']})])
    expect((await api('POST', '/instances', '{not json')).status).toBe(400)
    expect((await api('POST', '/instances', {})).json[0].path).toEqual(['data'])
  })

  it('refuses an Ubuntu VM without port 22 forwarded or a dedicated IP', async () => {
    const res = await api('POST', '/instances', createBody({useDedicatedIp: false, port_forwards: [{internal_port: 8888, external_port: 20001}]}))
    expect(res).toMatchObject({status: 400, json: {error: 'SSH port (22) must be forwarded for Ubuntu VMs'}})
    const forwarded = await api('POST', '/instances', createBody({useDedicatedIp: false, port_forwards: [{internal_port: 22, external_port: 20000, protocol: 'tcp'}]}))
    expect(forwarded.status).toBe(201)
  })

  it('says stale inventory with HTTP 200 and {"status":400,"error":...}: gone GPU, too many GPUs, no public IP, stale mode', async () => {
    const stale = {status: 200, json: {status: 400, error: 'No available nodes found'}}
    expect(await api('POST', '/instances', createBody({resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 5}}}}))).toMatchObject(stale)
    expect(await api('POST', '/instances', createBody({resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'h100-sxm5-80gb': {count: 1}}}}))).toMatchObject(stale)
    expect(await api('POST', '/instances', createBody({location_id: '00000000-0000-4000-8000-000000000000'}))).toMatchObject(stale)
    const noIp = await api('POST', '/instances', createBody({location_id: NO_IP_LOC, resources: {vcpu_count: 4, ram_gb: 16, storage_gb: 100, gpus: {'geforcertx3090-pcie-24gb': {count: 1}}}}))
    expect(noIp).toMatchObject({status: 200, json: {status: 400, error: 'No available public IPs on hostnode'}})

    await simControl(sim.url, 'DELETE', `/_sim/offers/${LOC}:geforcertx4090-pcie-24gb`)
    expect(await api('POST', '/instances', createBody())).toMatchObject(stale)
    await simControl(sim.url, 'POST', '/_sim/reset')
    await simControl(sim.url, 'POST', '/_sim/config', {stale: 'no_nodes'})
    const list = (await api('GET', '/locations')).json.data.locations
    const loc = list.find((l: any) => l.gpus.length > 0)
    expect(await api('POST', '/instances', createBody({location_id: loc.id, resources: {vcpu_count: 1, ram_gb: 1, storage_gb: 100, gpus: {[loc.gpus[0].v0Name]: {count: 1}}}}))).toMatchObject(stale)
    expect((await api('GET', '/instances')).json).toEqual({data: {instances: []}})
  })

  it('deploys on a hostnode with forwards from its available_ports', async () => {
    const node = (await api('GET', '/hostnodes')).json.data.hostnodes.find((h: any) => h.location_id === LOC)
    const [port, webPort] = node.available_resources.available_ports
    const forwards = [{internal_port: 22, external_port: port}, {internal_port: 8000, external_port: webPort}]
    const res = await api('POST', '/instances', createBody({location_id: undefined, hostnode_id: node.id, useDedicatedIp: false, port_forwards: forwards}))
    expect(res.status).toBe(201)
    // The node's own port, as asked for (it is free on this machine)
    clock.advance(3000)
    expect((await api('GET', `/instances/${res.json.data.id}`)).json.portForwards[1]).toEqual({internal_port: 8000, external_port: webPort})
    const taken = await api('POST', '/instances', createBody({location_id: undefined, hostnode_id: node.id, useDedicatedIp: false, port_forwards: [{internal_port: 22, external_port: 1}]}))
    expect(taken.status).toBe(400)
    const unknown = await api('POST', '/instances', createBody({location_id: undefined, hostnode_id: '00000000-0000-4000-8000-000000000000'}))
    expect(unknown).toMatchObject({status: 200, json: {error: 'Hostnode unavailable', status: 400}})
  })
})

describe('GET /api/v2/instances/{id}', () => {
  it('goes creating → running, ipAddress "" until assigned, unwrapped with mixed casing and rateHourly', async () => {
    const id = await create()
    const early = await api('GET', `/instances/${id}`)
    expect(early.status).toBe(200)
    expect(early.json).toMatchObject({type: 'virtualmachine', id, name: 'shopper-sess1', status: 'creating', ipAddress: ''})
    clock.advance(1000)
    expect((await api('GET', `/instances/${id}`)).json).toMatchObject({status: 'running', ipAddress: ''})
    clock.advance(2000)
    const up = (await api('GET', `/instances/${id}`)).json
    expect(Object.keys(up).sort()).toEqual(['id', 'ipAddress', 'name', 'portForwards', 'rateHourly', 'resources', 'status', 'type'])
    expect(up.ipAddress).toBe('127.0.0.1')
    expect(up.portForwards).toEqual([{internal_port: 22, external_port: expect.any(Number)}])
    // 1 × 0.40 + 8 vCPU × 0.003 + 32 GB × 0.002 + 100 GB × 0.00005
    expect(up.rateHourly).toBeCloseTo(0.4 + 0.024 + 0.064 + 0.005, 6)
    expect(up.resources).toEqual({vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 1, v0Name: 'geforcertx4090-pcie-24gb'}}})
  })

  it('answers 404 {"error":"Instance not found"} for unknown and non-UUID ids', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '..%2f..%2flocations']) {
      expect(await api('GET', `/instances/${id}`)).toMatchObject({status: 404, json: {error: 'Instance not found'}})
    }
  })

  it('can end stopped right after create (BUG-011) or in error', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {outcome: 'stopped'})
    const id = await create()
    clock.advance(1000)
    expect((await api('GET', `/instances/${id}`)).json.status).toBe('stopped')
    await simControl(sim.url, 'POST', '/_sim/config', {outcome: 'error', timings: {fail_after_ms: 5000}})
    const other = await create()
    clock.advance(1000)
    expect((await api('GET', `/instances/${other}`)).json.status).toBe('running')
    clock.advance(5000)
    expect((await api('GET', `/instances/${other}`)).json.status).toBe('error')
  })

  it('reports port forwards as asked, ignored ([]) or remapped, as seen live, each on a real port of the shared loopback', async () => {
    const forwards = [{internal_port: 22, external_port: 20000}, {internal_port: 8888, external_port: 20001}]
    const honoured = await create({useDedicatedIp: false, port_forwards: forwards})
    await simControl(sim.url, 'POST', '/_sim/config', {port_forwards: 'ignore'})
    const ignored = await create({useDedicatedIp: false, port_forwards: forwards})
    await simControl(sim.url, 'POST', '/_sim/config', {port_forwards: 'remap'})
    const remapped = await create({useDedicatedIp: false, port_forwards: forwards})
    clock.advance(3000)
    // Every simulated VM shares 127.0.0.1: a location deploy gets free ports there, which may differ from those asked for
    const h = (await api('GET', `/instances/${honoured}`)).json.portForwards
    expect(h).toEqual([{internal_port: 22, external_port: expect.any(Number)}, {internal_port: 8888, external_port: expect.any(Number)}])
    expect((await api('GET', `/instances/${ignored}`)).json.portForwards).toEqual([])
    const r = (await api('GET', `/instances/${remapped}`)).json.portForwards
    expect(r[1].internal_port).toBe(8888)
    expect(r[1].external_port).not.toBe(20001)
    // The forward is a real listener; nothing serves 8888 in the VM, so it closes the connection at once
    expect(await probePort(h[1].external_port)).toBe('closed')
  })
})

describe('GET /api/v2/instances', () => {
  it('emits the documented shape, and the live variants on request', async () => {
    const id = await create()
    const documented = (await api('GET', '/instances')).json
    expect(documented).toEqual({data: {instances: [{type: 'VM', id, attributes: expect.objectContaining({name: 'shopper-sess1', status: 'creating'})}]}})
    await simControl(sim.url, 'POST', '/_sim/config', {list_shape: 'array', list_items: 'flat'})
    const flat = (await api('GET', '/instances')).json
    expect(flat).toEqual({data: [expect.objectContaining({id, name: 'shopper-sess1', status: 'creating', ipAddress: ''})]})
    expect(flat.data[0].attributes).toBeUndefined()
    await simControl(sim.url, 'POST', '/_sim/config', {list_shape: 'instances', list_items: 'flat'})
    expect((await api('GET', '/instances')).json.data.instances[0].id).toBe(id)
  })
})

describe('DELETE, start and stop', () => {
  it('deletes with the success envelope, then 404s (which clients treat as already gone)', async () => {
    const id = await create()
    const gone = await api('DELETE', `/instances/${id}`)
    expect(gone).toMatchObject({status: 200, json: {data: {type: 'success', attributes: {message: 'Instance deleted successfully'}}}})
    expect((await api('DELETE', `/instances/${id}`)).status).toBe(404)
    expect((await api('GET', `/instances/${id}`)).status).toBe(404)
    expect((await api('GET', '/instances')).json.data.instances).toEqual([])
  })

  it('stops and starts through stopping/starting', async () => {
    const id = await create()
    clock.advance(3000)
    expect((await api('POST', `/instances/${id}/stop`)).json).toEqual({data: {type: 'instance', id, attributes: {status: 'stopping'}}})
    expect((await api('GET', `/instances/${id}`)).json.status).toBe('stopping')
    clock.advance(500)
    expect((await api('GET', `/instances/${id}`)).json.status).toBe('stopped')
    expect((await api('POST', `/instances/${id}/stop`)).status).toBe(400)
    expect((await api('POST', `/instances/${id}/start`)).json.data.attributes.status).toBe('starting')
    expect((await api('GET', `/instances/${id}`)).json.status).toBe('starting')
    clock.advance(500)
    expect((await api('GET', `/instances/${id}`)).json.status).toBe('running')
  })
})
