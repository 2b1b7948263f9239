import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {simControl} from '../control/control-client.js'
import {TENSORDOCK_GPUS} from './gpu-catalog.js'
import {startTensorDockSim, type TensorDockSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const TOKEN = 'td-token-0123456789'
const AUTH_ID = 'td-auth-id-42'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

let sim: TensorDockSimHandle
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startTensorDockSim({clock, seed: 42, apiToken: TOKEN, authId: AUTH_ID})
})

afterEach(async () => {
  await sim.close()
})

async function locations(query = '', headers: Record<string, string> = {Authorization: `Bearer ${TOKEN}`}): Promise<{status: number; json: any}> {
  const res = await fetch(`${sim.url}/api/v2/locations${query}`, {headers})
  return {status: res.status, json: await res.json()}
}

describe('GET /api/v2/locations', () => {
  it('returns {"data":{"locations":[...]}} with TensorDock\'s exact field names and types', async () => {
    const {status, json} = await locations()
    expect(status).toBe(200)
    const list = json.data.locations
    expect(list.length).toBeGreaterThanOrEqual(25)
    expect(list.length).toBeLessThanOrEqual(40)
    for (const location of list) {
      expect(Object.keys(location).sort()).toEqual(['city', 'country', 'gpus', 'id', 'stateprovince', 'tier'])
      expect(location.id).toMatch(UUID)
      expect(Number.isInteger(location.tier) && location.tier >= 1 && location.tier <= 4).toBe(true)
      for (const gpu of location.gpus) {
        expect(Object.keys(gpu).sort()).toEqual(['displayName', 'max_count', 'network_features', 'price_per_hr', 'pricing', 'resources', 'v0Name'])
        expect(Object.keys(gpu.resources).sort()).toEqual(['max_ram_gb', 'max_storage_gb', 'max_vcpus'])
        expect(Object.keys(gpu.pricing).sort()).toEqual(['per_gb_ram_hr', 'per_gb_storage_hr', 'per_vcpu_hr'])
        expect(Object.keys(gpu.network_features).sort()).toEqual(['dedicated_ip_available', 'network_storage_available', 'port_forwarding_available'])
        expect(gpu.max_count).toBeGreaterThanOrEqual(1)
        expect(gpu.max_count).toBeLessThanOrEqual(8)
        expect(typeof gpu.network_features.dedicated_ip_available).toBe('boolean')
      }
    }
  })

  it('prices per GPU inside the TensorDock ranges of the market shape, with rare listings above', async () => {
    const gpus = (await locations()).json.data.locations.flatMap((l: any) => l.gpus)
    const h100 = gpus.find((g: any) => g.v0Name === 'h100-sxm5-80gb')
    expect(h100.displayName).toBe('NVIDIA H100 SXM5 80GB')
    expect(h100.price_per_hr).toBeGreaterThanOrEqual(1.8)
    let inside = 0
    for (const gpu of gpus) {
      const model = TENSORDOCK_GPUS.find((m) => m.v0Name === gpu.v0Name)!
      expect(gpu.price_per_hr).toBeGreaterThanOrEqual(model.priceRange[0])
      if (gpu.price_per_hr <= model.priceRange[1] + 0.005) inside++
    }
    expect(inside / gpus.length).toBeGreaterThan(0.85)
  })

  it('carries the live quirks: tier 4, raw displayNames, "Texas, Texas", US-heavy with Canada and Europe', async () => {
    const list = (await locations()).json.data.locations
    expect(list.some((l: any) => l.tier === 4)).toBe(true)
    const raw = list.flatMap((l: any) => l.gpus).filter((g: any) => g.displayName === g.v0Name)
    expect(raw.map((g: any) => g.v0Name)).toEqual(expect.arrayContaining(['a40-pcie-48gb', 'geforcertx5090-pcie-32gb']))
    expect(list.find((l: any) => l.city === 'Texas')).toMatchObject({stateprovince: 'Texas', country: 'United States', tier: 4})
    expect(list.find((l: any) => l.city === 'Joplin').gpus.find((g: any) => g.v0Name === 'geforcertx4090-pcie-24gb').displayName).toBe(
      'NVIDIA GeForce RTX 4090 PCIe 24GB',
    )
    const countries = list.map((l: any) => l.country)
    expect(countries.filter((c: string) => c === 'United States').length).toBeGreaterThan(list.length / 2)
    expect(countries).toContain('Canada')
    expect(countries.some((c: string) => ['Netherlands', 'Germany', 'United Kingdom', 'France'].includes(c))).toBe(true)
  })

  it('is the same market for the same seed, and churns with the clock', async () => {
    const first = (await locations()).json
    const twin = await startTensorDockSim({clock: new ManualClock(START), seed: 42, apiToken: TOKEN})
    try {
      const res = await fetch(`${twin.url}/api/v2/locations`, {headers: {Authorization: `Bearer ${TOKEN}`}})
      expect(await res.json()).toEqual(first)
    } finally {
      await twin.close()
    }
    clock.advance(5 * 60_000)
    expect((await locations()).json).not.toEqual(first)
  })

  it('accepts Bearer or ?api_key=&api_token=, and refuses anything else with 401 {"error":...}', async () => {
    expect((await locations(`?api_key=${AUTH_ID}&api_token=${TOKEN}`, {})).status).toBe(200)
    for (const [query, headers] of [
      ['', {}],
      ['', {Authorization: 'Bearer wrong'}],
      [`?api_key=wrong&api_token=${TOKEN}`, {}],
      [`?api_token=${TOKEN}`, {}],
    ] as const) {
      const res = await locations(query, headers)
      expect(res).toEqual({status: 401, json: {error: 'Invalid API credentials'}})
    }
    // Query-param auth is for /locations and /hostnodes only: /instances wants the Bearer token.
    const instances = await fetch(`${sim.url}/api/v2/instances?api_key=${AUTH_ID}&api_token=${TOKEN}`)
    expect(instances.status).toBe(401)
  })

  it('answers unknown paths with 404 {"error":"Not found"} in exactly application/json', async () => {
    const res = await fetch(`${sim.url}/api/v2/nope`, {headers: {Authorization: `Bearer ${TOKEN}`}})
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual({error: 'Not found'})
  })
})

describe('GET /api/v2/hostnodes', () => {
  it('derives one hostnode per listing in the documented shape, and serves each by id', async () => {
    const list = (await locations()).json.data.locations
    const res = await fetch(`${sim.url}/api/v2/hostnodes`, {headers: {Authorization: `Bearer ${TOKEN}`}})
    const nodes = ((await res.json()) as any).data.hostnodes
    expect(nodes.length).toBe(list.reduce((n: number, l: any) => n + l.gpus.length, 0))
    const node = nodes[0]
    expect(Object.keys(node).sort()).toEqual(['available_resources', 'engine', 'id', 'location', 'location_id', 'pricing', 'uptime_percentage'])
    expect(Object.keys(node.available_resources).sort()).toEqual([
      'available_ports', 'gpus', 'has_public_ip_available', 'max_ram_per_gpu', 'max_vcpus_per_gpu', 'ram_gb', 'storage_gb', 'vcpu_count',
    ])
    expect(Object.keys(node.available_resources.gpus[0]).sort()).toEqual(['availableCount', 'price_per_hr', 'v0Name'])
    const location = list.find((l: any) => l.id === node.location_id)
    expect(node.location).toMatchObject({uuid: location.id, city: location.city, stateprovince: location.stateprovince, tier: location.tier})
    const one = await fetch(`${sim.url}/api/v2/hostnodes/${node.id}?api_key=${AUTH_ID}&api_token=${TOKEN}`)
    expect(await one.json()).toEqual({data: node})
    const missing = await fetch(`${sim.url}/api/v2/hostnodes/00000000-0000-4000-8000-000000000000`, {headers: {Authorization: `Bearer ${TOKEN}`}})
    expect(missing.status).toBe(404)
  })
})

describe('the market through /_sim/offers', () => {
  it('replaces the market with posted TensorDock JSON, appends, and removes a GPU or a location', async () => {
    const id = '1a779525-4c04-4f2c-aa45-58b47d54bb38'
    await simControl(sim.url, 'POST', '/_sim/offers', {
      data: {locations: [{id, city: 'Chicago', stateprovince: 'Illinois', country: 'United States', tier: 3, gpus: [{v0Name: 'geforcertx4090-pcie-24gb', max_count: 4, price_per_hr: 0.5}]}]},
    })
    const gpu = (await locations()).json.data.locations[0].gpus[0]
    expect(gpu).toMatchObject({v0Name: 'geforcertx4090-pcie-24gb', displayName: 'NVIDIA GeForce RTX 4090 PCIe 24GB', max_count: 4, price_per_hr: 0.5})
    await simControl(sim.url, 'POST', '/_sim/offers?mode=append', {data: {locations: [{city: 'Oslo', stateprovince: 'Oslo', country: 'Norway', gpus: [{v0Name: 'a40-pcie-48gb', displayName: 'a40-pcie-48gb'}]}]}})
    expect((await locations()).json.data.locations.map((l: any) => l.city)).toEqual(['Chicago', 'Oslo'])
    // Churn stops once a test shapes the market
    clock.advance(60 * 60_000)
    expect((await locations()).json.data.locations).toHaveLength(2)
    await simControl(sim.url, 'DELETE', `/_sim/offers/${id}:geforcertx4090-pcie-24gb`)
    expect((await locations()).json.data.locations[0].gpus).toEqual([])
    await simControl(sim.url, 'DELETE', `/_sim/offers/${id}`)
    expect((await locations()).json.data.locations.map((l: any) => l.city)).toEqual(['Oslo'])
    await expect(simControl(sim.url, 'DELETE', `/_sim/offers/${id}`)).rejects.toThrow(/404/)
  })
})
