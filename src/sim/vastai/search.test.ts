import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {simControl} from '../control/control-client.js'
import {startVastSim, type VastSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')

/** vast.py `search offers` with no arguments (providers.md §1.13), byte for byte. */
const VAST_PY_DEFAULT = {
  verified: {eq: true},
  external: {eq: false},
  rentable: {eq: true},
  rented: {eq: false},
  order: [['score', 'desc']],
  type: 'on-demand',
  allocated_storage: 5.0,
}

/** `search offers 'gpu_name=RTX_4090 num_gpus=1 reliability>0.98 gpu_ram>=24 dph<0.5 geolocation in [US,CA]' -o dph_total`. */
const VAST_PY_FILTERED = {
  ...VAST_PY_DEFAULT,
  gpu_name: {eq: 'RTX 4090'},
  num_gpus: {eq: '1'},
  reliability: {gt: '0.98'},
  gpu_ram: {gte: 24000.0},
  dph_total: {lt: '0.5'},
  geolocation: {in: ['US', 'CA']},
  order: [['dph_total', 'asc']],
}

interface Offer {
  id: number
  gpu_name: string
  num_gpus: number
  gpu_ram: number
  dph_base: number
  dph_total: number
  min_bid: number
  storage_cost: number
  reliability: number
  geolocation: string
  verified: boolean
  rentable: boolean
  rented: boolean | null
  score: number
  [field: string]: unknown
}

let sim: VastSimHandle
let clock: ManualClock

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startVastSim({clock, seed: 42})
})

afterEach(async () => {
  await sim.close()
})

/** vast.py's request: python-requests headers, JSON body, no auth needed for search. */
async function postBundles(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/api/v0/bundles/`, {
    method: 'POST',
    headers: {'User-Agent': 'python-requests/2.32.3', Accept: '*/*', 'Content-Type': 'application/json', Authorization: 'Bearer k-123456', ...headers},
    body: JSON.stringify(body),
  })
}

async function offersOf(res: Response): Promise<Offer[]> {
  expect(res.status).toBe(200)
  return ((await res.json()) as {offers: Offer[]}).offers
}

function countryCode(geolocation: string): string {
  const tail = geolocation.includes(',') ? geolocation.slice(geolocation.lastIndexOf(',') + 1).trim() : geolocation.trim()
  return tail === 'United States' ? 'US' : tail === 'Canada' ? 'CA' : tail
}

describe('offer search as vast.py sends it', () => {
  it('answers the default search with {"offers": [...]}, Content-Type exactly application/json, best score first', async () => {
    const res = await postBundles(VAST_PY_DEFAULT)
    expect(res.headers.get('content-type')).toBe('application/json')
    const offers = await offersOf(res)
    expect(offers.length).toBeGreaterThan(1500)
    expect(offers.every((o) => o.verified && o.rentable && o.rented !== true)).toBe(true)
    for (let i = 1; i < offers.length; i++) expect(offers[i - 1]!.score).toBeGreaterThanOrEqual(offers[i]!.score)
  })

  it('applies the filtered search with string values, gpu_ram in MB and country codes, cheapest first', async () => {
    const offers = await offersOf(await postBundles(VAST_PY_FILTERED))
    expect(offers.length).toBeGreaterThan(5)
    for (const o of offers) {
      expect(o.gpu_name).toBe('RTX 4090')
      expect(o.num_gpus).toBe(1)
      expect(o.reliability).toBeGreaterThan(0.98)
      expect(o.gpu_ram).toBeGreaterThanOrEqual(24000)
      expect(o.dph_total).toBeLessThan(0.5)
      expect(['US', 'CA']).toContain(countryCode(o.geolocation))
    }
    for (let i = 1; i < offers.length; i++) expect(offers[i - 1]!.dph_total).toBeLessThanOrEqual(offers[i]!.dph_total)
  })

  it('prices dph_total for allocated_storage: dph_base + GB × storage_cost / 720', async () => {
    const [o5] = await offersOf(await postBundles({...VAST_PY_DEFAULT, limit: 1}))
    const [o100] = await offersOf(await postBundles({...VAST_PY_DEFAULT, allocated_storage: 100, id: {eq: o5!.id}}))
    expect(o5!.dph_total).toBeCloseTo(o5!.dph_base + (5 * o5!.storage_cost) / 720, 12)
    expect(o100!.dph_total).toBeCloseTo(o5!.dph_base + (100 * o5!.storage_cost) / 720, 12)
  })

  it('prices type=bid by min_bid and accepts both on-demand spellings', async () => {
    const [onDemand] = await offersOf(await postBundles({...VAST_PY_DEFAULT, limit: 1}))
    const [bid] = await offersOf(await postBundles({...VAST_PY_DEFAULT, type: 'bid', id: {eq: onDemand!.id}}))
    expect(bid!.dph_total).toBeCloseTo(onDemand!.min_bid + (5 * onDemand!.storage_cost) / 720, 12)
    expect(bid!.is_bid).toBe(true)
    const [docsSpelling] = await offersOf(await postBundles({...VAST_PY_DEFAULT, type: 'ondemand', limit: 1}))
    expect(docsSpelling!.id).toBe(onDemand!.id)
  })

  it('honours limit and rejects an unknown operator with 400', async () => {
    expect(await offersOf(await postBundles({...VAST_PY_DEFAULT, limit: 7}))).toHaveLength(7)
    const res = await postBundles({num_gpus: {between: [1, 2]}})
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({success: false, error: 'invalid_args'})
  })
})

describe('the other search forms and the operators', () => {
  it('serves GET /bundles/?q=<json> and PUT /search/asks/ with the same results as POST', async () => {
    const q = {gpu_name: {eq: 'RTX 3090'}, order: [['dph_total', 'asc']], limit: 20}
    const viaPost = await offersOf(await postBundles(q))
    const viaGet = await offersOf(await fetch(`${sim.url}/api/v0/bundles/?q=${encodeURIComponent(JSON.stringify(q))}`))
    const put = await fetch(`${sim.url}/api/v0/search/asks/`, {
      method: 'PUT',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({select_cols: ['*'], q}),
    })
    expect(put.headers.get('content-type')).toBe('application/json')
    const viaPut = await offersOf(put)
    expect(viaGet.map((o) => o.id)).toEqual(viaPost.map((o) => o.id))
    expect(viaPut.map((o) => o.id)).toEqual(viaPost.map((o) => o.id))
  })

  it('supports neq, in, notin, lte on strings and gpu names with underscores', async () => {
    const neq = await offersOf(await postBundles({num_gpus: {neq: '1'}}))
    expect(neq.length).toBeGreaterThan(0)
    expect(neq.every((o) => o.num_gpus !== 1)).toBe(true)
    const within = await offersOf(await postBundles({gpu_name: {in: ['RTX_4090', 'H100 SXM']}}))
    expect(new Set(within.map((o) => o.gpu_name))).toEqual(new Set(['RTX 4090', 'H100 SXM']))
    const notin = await offersOf(await postBundles({gpu_name: {notin: ['RTX 4090', 'RTX 3090']}}))
    expect(notin.some((o) => o.gpu_name === 'RTX 4090' || o.gpu_name === 'RTX 3090')).toBe(false)
    const cheap = await offersOf(await postBundles({dph_total: {lte: '0.1'}, num_gpus: {gte: '2'}}))
    expect(cheap.every((o) => o.dph_total <= 0.1 && o.num_gpus >= 2)).toBe(true)
    const eightWay = await offersOf(await postBundles({num_gpus: {eq: 8}}))
    expect(eightWay.every((o) => /^(A100|H100|H200|B200|GH200|L40S|L4|A40|Tesla)/.test(o.gpu_name))).toBe(true)
  })

  it('matches geolocation by country code, including ", CN" and full country names', async () => {
    await simControl(sim.url, 'POST', '/_sim/offers', {
      offers: [
        {id: 1, geolocation: 'Texas, US'},
        {id: 2, geolocation: 'California, United States'},
        {id: 3, geolocation: ', CN'},
        {id: 4, geolocation: 'Spain, ES'},
        {id: 5, geolocation: 'US'},
      ].map((o) => ({...o, verified: true, rentable: true, rented: false})),
    })
    const ids = async (q: unknown) => (await offersOf(await postBundles(q))).map((o) => o.id).sort()
    expect(await ids({geolocation: {in: ['US']}})).toEqual([1, 2, 5])
    expect(await ids({geolocation: {eq: 'CN'}})).toEqual([3])
    expect(await ids({geolocation: {notin: ['US', 'CN']}})).toEqual([4])
  })

  it('applies the default rentable/rented/verified filters only when the query leaves them out', async () => {
    await simControl(sim.url, 'POST', '/_sim/offers', {
      offers: [
        {id: 11, verified: true, rentable: true, rented: false},
        {id: 12, verified: true, rentable: true, rented: null},
        {id: 13, verified: true, rentable: true, rented: true},
        {id: 14, verified: false, rentable: true, rented: false},
        {id: 15, verified: true, rentable: false, rented: false},
      ],
    })
    const ids = async (q: unknown) => (await offersOf(await postBundles(q))).map((o) => o.id).sort()
    expect(await ids({})).toEqual([11, 12])
    expect(await ids({verified: {eq: false}})).toEqual([14])
    expect(await ids({rented: {eq: true}})).toEqual([13])
    expect(await ids({rentable: {in: [true, false]}})).toEqual([11, 12, 15])
  })

  it('lists the GPU names without auth for vast.py start-up', async () => {
    const res = await fetch(`${sim.url}/api/v0/gpu_names/unique/`)
    expect(res.headers.get('content-type')).toBe('application/json')
    const {gpu_names} = (await res.json()) as {gpu_names: string[]}
    expect(gpu_names).toEqual(expect.arrayContaining(['RTX 4090', 'RTX 3090', 'RTX 5090', 'RTX A6000', 'A100 SXM4', 'A100 PCIE', 'H100 SXM', 'H100 PCIE', 'H100 NVL', 'Tesla V100', 'RTX 4000Ada', 'L40S', 'A40', 'H200']))
  })
})

describe('the generated market', () => {
  it('is the same for the same seed and clock, and different for another seed', async () => {
    const other = await startVastSim({clock: new ManualClock(START), seed: 42})
    const third = await startVastSim({clock: new ManualClock(START), seed: 43})
    try {
      const all = {limit: 10_000, rentable: {in: [true, false]}, verified: {in: [true, false]}, rented: {in: [true, false]}}
      const a = await (await postBundles(all)).text()
      const b = await (await fetch(`${other.url}/api/v0/bundles/`, {method: 'POST', body: JSON.stringify(all)})).text()
      const c = await (await fetch(`${third.url}/api/v0/bundles/`, {method: 'POST', body: JSON.stringify(all)})).text()
      expect(b).toBe(a)
      expect(c).not.toBe(a)
      expect((JSON.parse(a) as {offers: unknown[]}).offers).toHaveLength(3000)
    } finally {
      await other.close()
      await third.close()
    }
  })

  it('has the field types and units of the real offers', async () => {
    const offers = await offersOf(await postBundles({limit: 10_000, rentable: {in: [true, false]}, verified: {in: [true, false]}, rented: {in: [true, false]}}))
    for (const o of offers) {
      expect(Number.isInteger(o.id)).toBe(true)
      expect(o.ask_contract_id).toBe(o.id)
      expect(Number.isInteger(o.compute_cap)).toBe(true)
      expect(typeof o.cuda_max_good).toBe('number')
      expect(o.gpu_total_ram).toBe(o.gpu_ram * o.num_gpus)
      expect(typeof o.geolocation).toBe('string')
      expect(['verified', 'unverified', 'deverified']).toContain(o.verification)
      expect(o.verified).toBe(o.verification === 'verified')
      expect(o.duration).toBeGreaterThan(0)
    }
    expect(offers.find((o) => o.gpu_name === 'RTX 4090')?.gpu_ram).toBe(24564)
    expect(offers.find((o) => o.gpu_name === 'RTX 5090')?.gpu_ram).toBe(32607)
    expect(offers.some((o) => o.rented === null)).toBe(true)
    expect(offers.some((o) => o.geolocation.startsWith(', '))).toBe(true)
    expect(offers.some((o) => o.cpu_cores === null)).toBe(true)
    const reliabilities = offers.map((o) => o.reliability)
    expect(reliabilities.filter((r) => r >= 0.9).length / offers.length).toBeGreaterThan(0.75)
    expect(Math.min(...reliabilities)).toBeLessThan(0.7)
    const counts = new Map<number, number>()
    for (const o of offers) counts.set(o.num_gpus, (counts.get(o.num_gpus) ?? 0) + 1)
    expect(counts.get(1)!).toBeGreaterThan(counts.get(2)!)
    expect(counts.get(8)).toBeGreaterThan(0)
  })

  it('turns a few per cent of offers over each minute of the injected clock', async () => {
    const all = {limit: 10_000, rentable: {in: [true, false]}, verified: {in: [true, false]}, rented: {in: [true, false]}}
    const before = new Set((await offersOf(await postBundles(all))).map((o) => o.id))
    clock.advance(60_000)
    const after = (await offersOf(await postBundles(all))).map((o) => o.id)
    const gone = [...before].filter((id) => !after.includes(id)).length
    expect(after).toHaveLength(3000)
    expect(gone).toBeGreaterThan(30)
    expect(gone).toBeLessThan(200)
  })
})
