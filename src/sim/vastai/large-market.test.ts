import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {startVastSim, type VastSimHandle} from './server.js'

/**
 * A market the size a TUI benchmark loads. The time bound is loose on purpose (it takes about
 * 1 s on 2 cores): it catches an accidental quadratic step, not a slow machine.
 */
describe('a 100k-offer simulated Vast.ai market', () => {
  let sim: VastSimHandle
  let generatedInMs: number
  beforeAll(async () => {
    const started = performance.now()
    sim = await startVastSim({offerCount: 100_000, churn: false, clock: new ManualClock(Date.parse('2026-11-22T23:00:00Z'))})
    generatedInMs = performance.now() - started
  })
  afterAll(async () => {
    await sim?.close()
  })

  async function search(query: Record<string, unknown>): Promise<{id: number; score: number; rentable: boolean; rented: boolean | null}[]> {
    const res = await fetch(`${sim.url}/api/v0/bundles/`, {
      method: 'POST',
      headers: {authorization: 'Bearer any', 'content-type': 'application/json'},
      body: JSON.stringify(query),
    })
    expect(res.status).toBe(200)
    return ((await res.json()) as {offers: {id: number; score: number; rentable: boolean; rented: boolean | null}[]}).offers
  }

  it('is generated in seconds', () => {
    expect(generatedInMs).toBeLessThan(10_000)
  })

  it('answers a search with limit 100000 with every offer, each once, in order', async () => {
    // When every offer is asked for, as `vast.py search offers -n --limit 100000` would
    const offers = await search({verified: {in: [true, false]}, rentable: {in: [true, false]}, rented: {in: [true, false, null]}, order: [['score', 'desc']], limit: 100_000})

    // Then all of them come back, once each, best score first
    expect(offers).toHaveLength(100_000)
    expect(new Set(offers.map((o) => o.id)).size).toBe(100_000)
    expect(offers.findIndex((o, i) => i > 0 && offers[i - 1]!.score < o.score)).toBe(-1)
  })

  it('sells the daemon about 70% of it: rentable, unrented and verified', async () => {
    const sellable = await search({rentable: {eq: true}, rented: {eq: false}, type: 'on-demand', limit: 100_000})
    expect(sellable.length).toBeGreaterThan(65_000)
    expect(sellable.length).toBeLessThan(75_000)
    expect(sellable.every((o) => o.rentable && o.rented !== true)).toBe(true)
  })
})
