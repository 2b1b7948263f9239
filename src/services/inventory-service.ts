import {AppError} from '../core/errors.js'
import {normalizeGpuName} from '../core/gpu-names.js'
import type {InventoryQuery} from '../core/inventory-query.js'
import type {Offer} from '../core/offer.js'
import type {ProviderName} from '../core/provider-name.js'
import {regionCountry} from '../core/sku.js'
import type {CatalogRow} from '../store/offers-repo.js'
import type {StoredPricePoint} from '../store/price-history-repo.js'
import type {ServiceContext} from './context.js'
import {healthOfPage} from './offer-health.js'
import type {HealthStats} from '../core/offer-health.js'
import {foldNodeOffers, isNodeRegion, nodeOffersOnSale} from './node-catalog.js'
import {isOfferVisible, offerVisibility} from './tenancy.js'
import {DEFAULT_REFRESH_POLICIES, RefreshWorker, type ProviderFreshness, type RefreshPolicy} from './refresh-worker.js'

export interface InventoryResult {
  offers: readonly Offer[]
  total: number
  staleProviders: ProviderName[]
  /** Health of the offers on the page that have a provisioning history (their own or their machine's); the rest are untried. */
  health: ReadonlyMap<string, HealthStats>
}

/**
 * One market across providers, answered from the store. Refresh workers keep each provider's
 * offers fresh in the background; a query never waits on a failing provider: its last good
 * offers are served and it is named in `stale_providers`. Only a provider that has never
 * answered yet is waited for, briefly, so the first query after start-up is not empty.
 */
export class InventoryService {
  private readonly workers = new Map<ProviderName, RefreshWorker>()

  constructor(
    private readonly ctx: ServiceContext,
    policies: Partial<Record<ProviderName, Partial<RefreshPolicy>>> = {},
    private readonly firstLoadWaitMs = 10_000,
  ) {
    for (const [name] of ctx.providers.entries()) {
      this.workers.set(name, new RefreshWorker(ctx, name, {...DEFAULT_REFRESH_POLICIES[name], ...policies[name]}))
    }
  }

  /** Starts refreshing; the markets an earlier run stored are served (as stale) from now on. */
  async start(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.start()))
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.stop()))
  }

  worker(name: ProviderName): RefreshWorker | undefined {
    return this.workers.get(name)
  }

  /** Offers matching `query` that the caller of `scope` may rent. */
  async query(scope: ServiceContext, query: InventoryQuery): Promise<InventoryResult> {
    const relevant = [...this.workers.values()].filter((w) => !query.provider || w.provider === query.provider)
    await this.waitForFirstLoad(relevant)
    const {offers, total} = await this.ctx.store.offers.query({...query, visibleTo: offerVisibility(scope)})
    return {offers, total, staleProviders: this.staleProviders(query.provider), health: await healthOfPage(this.ctx, offers)}
  }

  staleProviders(only?: ProviderName): ProviderName[] {
    return [...this.workers.values()]
      .filter((w) => (!only || w.provider === only) && w.isStale())
      .map((w) => w.provider)
      .sort()
  }

  /** Waits (up to a deadline) for providers that have no data yet and are fetching it. */
  async waitForFirstLoad(workers: readonly RefreshWorker[] = [...this.workers.values()]): Promise<void> {
    const pending = workers.filter((w) => !w.hasData() && w.freshness().consecutiveFailures === 0)
    if (pending.length === 0) return
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.firstLoadWaitMs)))
    await Promise.race([Promise.all(pending.map((w) => w.refreshNow())), deadline])
    clearTimeout(timer)
  }

  /**
   * Refreshes one provider now, after the refresh under way (which may have read the world from
   * before a change): what a user just changed is on offer when their command returns.
   */
  async refreshProvider(name: ProviderName): Promise<void> {
    const worker = this.workers.get(name)
    if (!worker) return
    await worker.settled()
    await worker.refreshNow()
  }

  async get(scope: ServiceContext, offerId: string): Promise<Offer> {
    const offer = await this.ctx.store.offers.get(offerId)
    if (!offer || !isOfferVisible(scope, offer)) throw new AppError('not_found', `offer ${offerId} is not in the inventory; run \`gpu-shopper inventory\` to see current offers`, {offer_id: offerId})
    return offer
  }

  /**
   * SKUs on offer (model × GPU count), once the market has loaded. `region` is a marketplace
   * region, which starts with a country code ("US", "us-east-1"), or a self-hosted node's region
   * ("home-lab"); a node's offers list their node's region, having no country.
   */
  async catalog(scope: ServiceContext, filter: {provider?: ProviderName; region?: string; gpuType?: string}): Promise<CatalogRow[]> {
    const region = filter.region || undefined
    const countryCode = region ? regionCountry(region) : null
    if (region && !countryCode && !(await isNodeRegion(scope, region))) {
      throw new AppError(
        'validation_error',
        `region "${region}" neither starts with a country code (e.g. "US" or "us-east-1") nor is the region of a registered node (see \`gpu-shopper nodes list\`)`,
        {field: 'region'},
      )
    }
    await this.waitForFirstLoad()
    const rows =
      region && !countryCode
        ? []
        : await this.ctx.store.offers.catalog({provider: filter.provider, countryCode: countryCode ?? undefined, gpuType: filter.gpuType, visibleTo: offerVisibility(scope)})
    if (filter.provider !== undefined && filter.provider !== 'selfhosted') return rows
    return foldNodeOffers(rows, await nodeOffersOnSale(scope, {gpuType: filter.gpuType, region}), region === undefined)
  }

  /** The recorded price points of a GPU model (any spelling of its name), per provider. */
  async priceHistory(gpuName: string, filter: {provider?: string; since?: number; limit?: number}): Promise<{gpuType: string; points: StoredPricePoint[]}> {
    const gpuType = normalizeGpuName(gpuName)
    return {gpuType, points: await this.ctx.store.priceHistory.history(gpuType.toLowerCase(), filter)}
  }

  status(name: ProviderName): ProviderFreshness & {stale: boolean} {
    const worker = this.workers.get(name)
    if (!worker) throw new Error(`no refresh worker for ${name}`)
    return {...worker.freshness(), stale: worker.isStale()}
  }
}
