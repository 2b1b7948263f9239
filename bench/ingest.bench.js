// Ingest: a simulated Vast.ai market of INGEST_MARKET offers (100k by default; ~70 % of them
// rentable, which is what a search returns), as the bytes of its /bundles/ reply, read into a
// real SQLite file the way a daemon refresh does (market-ingest.ts: decoded and stored by a
// worker thread, a transaction per 1,000 offers). The download is excluded: the reply is in
// memory. Measured: the first load into an empty store, and a refresh of the same market over
// it (most offers unchanged). JSON.parse of the whole reply is timed too, as the floor of any
// reader of JSON text. Run with `npm run bench -- ingest` (after a build).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {systemClock} from '../dist/src/core/clock.js'
import {ingestMarket} from '../dist/src/services/market-ingest.js'
import {Market} from '../dist/src/sim/vastai/market.js'
import {parseOfferQuery, searchOffers} from '../dist/src/sim/vastai/query.js'
import {Store} from '../dist/src/store/store.js'
import {reportRow} from './report.js'

const MARKET = Number(process.env.INGEST_MARKET ?? 100_000)
const CHUNK = 64 * 1024
const REFRESHES = 3

// What the daemon's refresh asks the simulated Vast.ai for, and gets.
const market = new Market(42, MARKET, systemClock, {intervalMs: 0, fraction: 0})
const offers = searchOffers(market.all(), parseOfferQuery({rentable: {eq: true}, rented: {eq: false}, type: 'on-demand', limit: MARKET}), Date.now())
const reply = Buffer.from(JSON.stringify({offers}))
const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-ingest-'))
const store = Store.open(join(dir, 'bench.db'))

function streamOf(bytes, fetchedAt) {
  return {
    format: 'vastai-bundles',
    decoderOptions: {fetchedAt, allocatedStorageGb: 50},
    body: (async function* () {
      for (let at = 0; at < bytes.length; at += CHUNK) yield new Uint8Array(bytes.subarray(at, at + CHUNK))
    })(),
    cancel: async () => {},
  }
}

async function ingest() {
  const at = Date.now()
  const started = performance.now()
  const result = await ingestMarket(store, 'vastai', streamOf(reply, at), at)
  const ms = performance.now() - started
  if (result.offers !== offers.length) throw new Error(`stored ${result.offers} of ${offers.length} offers`)
  return {ms, rate: result.offers / (ms / 1000)}
}

const rate = (r) => `${Math.round(r).toLocaleString('en-US')} offers/s`
try {
  const parseStarted = performance.now()
  JSON.parse(reply.toString('utf8'))
  const parseMs = performance.now() - parseStarted
  console.log(`${offers.length.toLocaleString('en-US')} offers, ${(reply.length / 1e6).toFixed(0)} MB of JSON; JSON.parse of it alone: ${parseMs.toFixed(0)} ms (${rate(offers.length / (parseMs / 1000))})`)

  const first = await ingest()
  console.log(`first load into an empty store: ${first.ms.toFixed(0)} ms, ${rate(first.rate)}`)
  const refreshes = []
  for (let i = 0; i < REFRESHES; i++) {
    refreshes.push(await ingest())
    console.log(`refresh ${i + 1} over it: ${refreshes.at(-1).ms.toFixed(0)} ms, ${rate(refreshes.at(-1).rate)}`)
  }
  refreshes.sort((a, b) => a.rate - b.rate)
  const median = refreshes[refreshes.length >> 1].rate
  const kOffers = `${Math.round(offers.length / 1000)}k offers`
  reportRow({measure: `ingest, refresh of ${kOffers} (parse + normalise + upsert)`, value: `${rate(median)} (JSON.parse alone ${rate(offers.length / (parseMs / 1000))})`, target: '≥ 200,000 offers/s', met: median >= 200_000})
  reportRow({measure: `ingest, first load of ${kOffers}`, value: rate(first.rate), target: '≥ 200,000 offers/s', met: first.rate >= 200_000})
} finally {
  await store.close()
  rmSync(dir, {recursive: true, force: true})
}
