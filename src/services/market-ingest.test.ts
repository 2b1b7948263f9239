import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {systemClock} from '../core/clock.js'
import {pricePoints} from '../core/price-stats.js'
import type {MarketStream} from '../providers/market-stream.js'
import {parseOfferPage} from '../providers/vastai/vastai-offer.js'
import {Market} from '../sim/vastai/market.js'
import {Store} from '../store/store.js'
import {ingestMarket, MarketIngestError} from './market-ingest.js'

const T0 = Date.parse('2026-03-01T12:00:00Z')
const T1 = T0 + 60_000

function streamOf(text: string, fetchedAt: number, chunk = 50_000): MarketStream & {cancelled: boolean} {
  const bytes = Buffer.from(text)
  const stream = {
    format: 'vastai-bundles' as const,
    decoderOptions: {fetchedAt, allocatedStorageGb: 50},
    cancelled: false,
    body: (async function* () {
      for (let at = 0; at < bytes.length; at += chunk) yield new Uint8Array(bytes.subarray(at, at + chunk))
    })(),
    cancel: async () => {
      stream.cancelled = true
    },
  }
  return stream
}

const allOffers = async (store: Store) => (await store.offers.query({includeUnavailable: true, limit: 1_000_000, sort: 'price'})).offers

describe('ingestMarket', () => {
  const dirs: string[] = []
  const stores: Store[] = []
  const fileStore = () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-ingest-'))
    dirs.push(dir)
    const store = Store.open(join(dir, 'db.sqlite'))
    stores.push(store)
    return store
  }
  const memoryStore = () => {
    const store = Store.open(':memory:')
    stores.push(store)
    return store
  }
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close()
    for (const dir of dirs.splice(0)) rmSync(dir, {recursive: true, force: true})
  })

  // Two markets a minute apart: some offers gone, some new, some repriced.
  const market = new Market(11, 3000, systemClock, {intervalMs: 0, fraction: 0})
  const first = market.all().slice(0, 2500)
  const second = market.all().slice(500, 3000).map((o, i) => (i % 10 === 0 ? {...o, dph_base: (o.dph_base ?? 0) + 0.01, dph_total: o.dph_total + 0.01} : o))

  /** What the one-transaction refresh stored for the same two markets (and how many it marked gone): the reference. */
  async function reference(): Promise<{store: Store; gone: number[]}> {
    const store = memoryStore()
    const gone: number[] = []
    for (const [offers, at] of [[first, T0], [second, T1]] as const) {
      const page = parseOfferPage({offers}, at, 50)!
      await store.transaction(async () => {
        await store.offers.upsertMany(page.offers)
        gone.push(await store.offers.markMissingUnavailable('vastai', at))
        await store.priceHistory.record('vastai', at, pricePoints(page.offers))
      })
    }
    return {store, gone}
  }
  const available = (offers: readonly unknown[]) => parseOfferPage({offers}, T0, 50)!.offers.filter((o) => o.available).length

  for (const [where, open] of [['in a worker thread (a database file)', fileStore], ['in this thread (an in-memory database)', memoryStore]] as const) {
    it(`stores what the one-transaction refresh stored, ${where}`, async () => {
      const store = open()
      const expected = await reference()
      const one = await ingestMarket(store, 'vastai', streamOf(JSON.stringify({offers: first}), T0), T0)
      expect(one).toEqual({offers: 2500, skipped: 0, problems: [], gone: expected.gone[0]})
      const two = await ingestMarket(store, 'vastai', streamOf(JSON.stringify({offers: second}), T1), T1)
      expect(two).toEqual({offers: 2500, skipped: 0, problems: [], gone: expected.gone[1]})
      expect(expected.gone[1]).toBeGreaterThan(250)

      expect(await allOffers(store)).toEqual(await allOffers(expected.store))
      expect(await store.priceHistory.history('rtx 4090')).toEqual(await expected.store.priceHistory.history('rtx 4090'))
      expect((await store.offers.query({})).total).toBe(available(second))
    })
  }

  it('fails a malformed market with the provider named, keeps what was stored, and marks nothing gone', async () => {
    const store = fileStore()
    await ingestMarket(store, 'vastai', streamOf(JSON.stringify({offers: first}), T0), T0)
    const cut = JSON.stringify({offers: second}).slice(0, -2000)
    const stream = streamOf(cut, T1, 20_000)
    const failure = await ingestMarket(store, 'vastai', stream, T1).catch((err: unknown) => err)
    expect(failure).toBeInstanceOf(MarketIngestError)
    expect((failure as Error).message).toMatch(/^vastai: reading the market failed: the reply is not complete JSON/)
    expect(stream.cancelled).toBe(true)
    // The first market's offers are all still available: a broken reply is no evidence they are gone.
    expect((await store.offers.query({provider: 'vastai'})).total).toBeGreaterThanOrEqual(available(first))
  })

  it('stops when aborted, and the store stays usable', async () => {
    const store = fileStore()
    const abort = new AbortController()
    const stream = streamOf(JSON.stringify({offers: market.all()}), T0, 500)
    const body = stream.body
    stream.body = (async function* () {
      let n = 0
      for await (const chunk of body) {
        if (++n === 50) abort.abort(new Error('stopping'))
        yield chunk
      }
    })()
    await expect(ingestMarket(store, 'vastai', stream, T0, abort.signal)).rejects.toThrow('stopping')
    expect(stream.cancelled).toBe(true)
    await ingestMarket(store, 'vastai', streamOf(JSON.stringify({offers: first}), T1), T1)
    expect((await store.offers.query({})).total).toBe(available(first))
  })
})
