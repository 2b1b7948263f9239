// Ingest: one 20k-offer Vast.ai search reply, normalised by the adapter's reader and upserted
// into a real SQLite file by the store. Target: at least 100k offers/s for normalise + upsert.
// Decoding the 38 MB of JSON text (JSON.parse) is timed and reported apart: it is V8's cost,
// the same for any client. Run with `npm run bench -- ingest` (after a build).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {systemClock} from '../dist/src/core/clock.js'
import {parseOfferPage} from '../dist/src/providers/vastai/vastai-offer.js'
import {Market} from '../dist/src/sim/vastai/market.js'
import {Store} from '../dist/src/store/store.js'

const OFFERS = 20_000
const ROUNDS = 5

const market = new Market(42, OFFERS, systemClock, {intervalMs: 0, fraction: 0})
const reply = JSON.stringify({offers: market.all()})
const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-ingest-'))
const store = Store.open(join(dir, 'bench.db'))
try {
  const rates = []
  for (let round = 0; round <= ROUNDS; round++) {
    const decodeStart = performance.now()
    const body = JSON.parse(reply)
    const started = performance.now()
    const page = parseOfferPage(body, Date.now(), 50)
    const parsed = performance.now()
    await store.offers.upsertMany(page.offers)
    const done = performance.now()
    if (page.offers.length !== OFFERS) throw new Error(`parsed ${page.offers.length} of ${OFFERS} offers (${page.problems.join('; ')})`)
    if (round === 0) continue // warm-up: JIT and the first inserts of a fresh table
    rates.push(OFFERS / ((done - started) / 1000))
    console.log(
      `round ${round}: JSON.parse ${(started - decodeStart).toFixed(0)} ms | normalise ${(parsed - started).toFixed(0)} ms + upsert ${(done - parsed).toFixed(0)} ms = ${Math.round(rates.at(-1)).toLocaleString('en-US')} offers/s (${Math.round(OFFERS / ((done - decodeStart) / 1000)).toLocaleString('en-US')} offers/s with JSON.parse)`,
    )
  }
  rates.sort((a, b) => a - b)
  const median = rates[rates.length >> 1]
  console.log(`ingest ${OFFERS.toLocaleString('en-US')} offers (${(reply.length / 1e6).toFixed(1)} MB reply): median ${Math.round(median).toLocaleString('en-US')} offers/s normalised + upserted (target >= 100,000) ${median >= 100_000 ? 'OK' : 'UNDER'}`)
} finally {
  await store.close()
  rmSync(dir, {recursive: true, force: true})
}
