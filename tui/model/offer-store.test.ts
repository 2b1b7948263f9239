import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createApiClient, type ApiClient} from '../../src/client/api-client.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import {pollUntil} from '../../test/support/poll.js'
import {startTestDaemon, type TestDaemon} from '../../test/support/test-daemon.js'
import {OfferStore} from './offer-store.js'

let daemon: TestDaemon
let client: ApiClient

beforeAll(async () => {
  daemon = await startTestDaemon('offer-store')
  client = createApiClient({baseUrl: daemon.daemon.url, token: daemon.daemon.token})
})

afterAll(async () => {
  await daemon.close()
})

/** Every offer the API lists, read with its own paging. */
async function apiMarket(): Promise<OfferDto[]> {
  const offers: OfferDto[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = await client.inventory.list({sort: 'price', limit: 1000, offset})
    offers.push(...page.offers)
    if (offset + 1000 >= page.total) return offers
  }
}

describe('OfferStore', () => {
  it('holds exactly the market the API lists, each offer as the API sent it, in price order', async () => {
    // Given a daemon whose simulated market has been refreshed
    await pollUntil(async () => ((await client.inventory.list({limit: 1})).total > 0 ? true : undefined), 'the first market refresh')

    // When the store loads it in small pages, several at a time (many page edges, pages out of order)
    const store = new OfferStore(client, {now: () => 0, pageSize: 37, concurrency: 3})
    await store.load()
    store.close()
    const market = store.getSnapshot()
    const expected = await apiMarket()

    // Then its index has every offer once, equal to the API's, cheapest first and ties by id
    expect(market.error).toBeNull()
    expect(market.index.size).toBe(expected.length)
    expect(market.total).toBe(expected.length)
    const view = market.index.view({text: '', quick: {}, sort: {by: 'price', descending: false}})
    const held = Array.from({length: view.length}, (_, i) => view.at(i)!)
    const byPriceThenId = [...expected].sort((a, b) => a.price_per_hour_micro_usd - b.price_per_hour_micro_usd || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    expect(held).toEqual(byPriceThenId)
    expect(market.loading).toBe(false)
    expect(market.simulated).toBe(true)
  })
})
