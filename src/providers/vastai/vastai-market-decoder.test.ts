import {describe, expect, it} from 'vitest'

import {systemClock} from '../../core/clock.js'
import {Market} from '../../sim/vastai/market.js'
import {VastMarketDecoder} from './vastai-market-decoder.js'
import {parseOfferPage} from './vastai-offer.js'

const FETCHED_AT = Date.parse('2026-03-01T12:00:00Z')

describe('VastMarketDecoder', () => {
  it('gives the offers parseOfferPage gives for the whole reply, skipping the same unreadable ones', () => {
    const offers: unknown[] = new Market(7, 3000, systemClock, {intervalMs: 0, fraction: 0}).all()
    // Unreadable offers among them: counted and described, never fatal.
    offers.splice(10, 0, {id: 'x', gpu_name: 'RTX 4090'}, {id: 5, gpu_name: 'RTX 4090', num_gpus: 0, gpu_ram: 24564, dph_total: 0.3}, 'not an offer')
    const reply = Buffer.from(JSON.stringify({offers}))
    const whole = parseOfferPage(JSON.parse(reply.toString()), FETCHED_AT, 50)!

    const decoder = new VastMarketDecoder({fetchedAt: FETCHED_AT, allocatedStorageGb: 50})
    const streamed = []
    for (let at = 0; at < reply.length; at += 65_536) streamed.push(...decoder.push(reply.subarray(at, at + 65_536)))
    streamed.push(...decoder.end())

    expect(streamed).toEqual(whole.offers)
    expect(decoder.skipped).toBe(3)
    expect(decoder.problems).toEqual(whole.problems)
  })

  it('refuses a reply cut short', () => {
    const decoder = new VastMarketDecoder({fetchedAt: FETCHED_AT, allocatedStorageGb: 50})
    decoder.push(Buffer.from('{"offers": [{"id": 1, "gpu_name": "RTX 4090"'))
    expect(() => decoder.end()).toThrow(/not complete JSON/)
  })
})
