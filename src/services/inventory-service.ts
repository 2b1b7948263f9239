import {AppError} from '../core/errors.js'
import {normalizeGpuName} from '../core/gpu-names.js'
import type {InventoryQuery} from '../core/inventory-query.js'
import type {Offer} from '../core/offer.js'
import type {ProviderName} from '../core/provider-name.js'
import type {ServiceContext} from './context.js'

export interface InventoryResult {
  offers: Offer[]
  total: number
  staleProviders: ProviderName[]
}

export interface ProviderFreshness {
  lastRefreshAt: number | null
  lastError: string | null
  stale: boolean
}

/**
 * Answers inventory queries from the store after making sure each provider's answer to the
 * same (pushed-down) question is fresh. A failing provider does not fail the query: its
 * last good offers are served and it is named in `stale_providers`.
 */
export class InventoryService {
  private readonly fetchedAt = new Map<string, number>()
  private readonly freshness = new Map<ProviderName, ProviderFreshness>()
  private readonly inFlight = new Map<string, Promise<void>>()

  constructor(private readonly ctx: ServiceContext) {}

  async query(query: InventoryQuery): Promise<InventoryResult> {
    const providers = this.ctx.providers.entries().filter(([name]) => !query.provider || name === query.provider)
    const stale: ProviderName[] = []
    await Promise.all(
      providers.map(async ([name]) => {
        const ok = await this.refresh(name, query)
        if (!ok) stale.push(name)
      }),
    )
    const {offers, total} = this.ctx.store.offers.query({
      ...query,
      gpuTypeKey: query.gpuType ? normalizeGpuName(query.gpuType).toLowerCase() : undefined,
    })
    return {offers, total, staleProviders: stale.sort()}
  }

  get(offerId: string): Offer {
    const offer = this.ctx.store.offers.get(offerId)
    if (!offer) throw new AppError('not_found', `offer ${offerId} is not in the inventory; run \`gpu-shopper inventory\` to see current offers`, {offer_id: offerId})
    return offer
  }

  status(name: ProviderName): ProviderFreshness {
    return this.freshness.get(name) ?? {lastRefreshAt: null, lastError: null, stale: false}
  }

  /** Fetches from the provider unless the same question was answered recently; false when it failed. */
  private async refresh(name: ProviderName, query: InventoryQuery): Promise<boolean> {
    const pushdown = {...query, sort: undefined, order: undefined, limit: undefined, offset: undefined, provider: undefined}
    const key = `${name}:${JSON.stringify(pushdown)}`
    const now = this.ctx.clock.now()
    const last = this.fetchedAt.get(key)
    if (last !== undefined && now - last < this.ctx.timings.inventoryMaxAgeMs) return !this.status(name).stale
    let pending = this.inFlight.get(key)
    if (!pending) {
      pending = this.fetch(name, pushdown, key).finally(() => this.inFlight.delete(key))
      this.inFlight.set(key, pending)
    }
    await pending
    return !this.status(name).stale
  }

  /** Keeps the per-query freshness map from growing with every distinct filter ever asked. */
  private forgetOldQueries(now: number): void {
    if (this.fetchedAt.size < 1_000) return
    for (const [key, at] of this.fetchedAt) if (now - at >= this.ctx.timings.inventoryMaxAgeMs) this.fetchedAt.delete(key)
  }

  private async fetch(name: ProviderName, pushdown: InventoryQuery, key: string): Promise<void> {
    const started = this.ctx.clock.now()
    try {
      const offers = await this.ctx.providers.get(name).searchOffers(pushdown)
      const isFullMarket = Object.values(pushdown).every((v) => v === undefined)
      this.ctx.store.transaction(() => {
        this.ctx.store.offers.upsertMany(offers)
        // Only an unfiltered answer says what is gone; a filtered one says nothing about the rest.
        if (isFullMarket) this.ctx.store.offers.markMissingUnavailable(name, started)
      })
      this.fetchedAt.set(key, started)
      this.forgetOldQueries(started)
      this.freshness.set(name, {lastRefreshAt: started, lastError: null, stale: false})
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err)
      this.ctx.log.warn({provider: name, err: message}, 'inventory refresh failed; serving last good offers')
      const previous = this.status(name)
      this.freshness.set(name, {lastRefreshAt: previous.lastRefreshAt, lastError: message, stale: true})
    }
  }
}
