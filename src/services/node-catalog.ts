import type {Offer} from '../core/offer.js'
import type {CatalogRow} from '../store/offers-repo.js'
import type {ServiceContext} from './context.js'
import {isOfferVisible, offerVisibility} from './tenancy.js'

/** Offers read a page at a time; a node makes a handful (one per slice size, and a CPU slice). */
const PAGE = 500

/**
 * Self-hosted nodes' part of the catalog. The store groups offers by country code, which a
 * node's offers do not have: the region its owner gave it (`nodes add --region home-lab`)
 * stands in, both in a SKU's regions and for the region filter.
 */
export function inNodeRegion(offer: Pick<Offer, 'location'>, region: string): boolean {
  return offer.location.trim().toLowerCase() === region.trim().toLowerCase()
}

/** Whether a node the caller may rent from is registered in `region`, on sale now or not. */
export async function isNodeRegion(ctx: ServiceContext, region: string): Promise<boolean> {
  return (await ctx.store.nodes.list()).some((node) => isOfferVisible(ctx, {tenantId: node.tenantId}) && inNodeRegion({location: node.region}, region))
}

/** The self-hosted offers the caller may rent now, of a GPU model and in a node region when given. */
export async function nodeOffersOnSale(ctx: ServiceContext, filter: {gpuType?: string; region?: string}): Promise<Offer[]> {
  const offers: Offer[] = []
  for (let offset = 0; ; offset += PAGE) {
    const page = await ctx.store.offers.query({provider: 'selfhosted', gpuType: filter.gpuType, visibleTo: offerVisibility(ctx), limit: PAGE, offset, sort: 'price'})
    offers.push(...page.offers)
    if (page.offers.length < PAGE) break
  }
  return filter.region === undefined ? offers : offers.filter((offer) => inNodeRegion(offer, filter.region!))
}

/**
 * Folds node offers into the store's catalog rows, adding each one's region. `counted` says
 * whether the rows already count these offers (the store grouped them with the rest when no
 * region was asked for, and only lacks their region) or not (a region filter matched
 * countries only, so they are added to their SKU's prices and counts, or make a new row).
 */
export function foldNodeOffers(rows: readonly CatalogRow[], offers: readonly Offer[], counted: boolean): CatalogRow[] {
  const bySku = new Map(rows.map((row) => [skuKey(row), {...row, countries: [...row.countries], providers: [...row.providers]}]))
  let added = false
  for (const offer of offers) {
    const key = skuKey(offer)
    const row = bySku.get(key)
    if (!row) {
      added = true
      bySku.set(key, {
        gpuType: offer.gpuType,
        gpuCount: offer.gpuCount,
        vramGb: offer.vramGb,
        minPrice: offer.pricePerHour,
        maxPrice: offer.pricePerHour,
        offers: 1,
        countries: [offer.location],
        providers: [offer.provider],
      })
      continue
    }
    if (!counted) {
      row.vramGb = Math.max(row.vramGb, offer.vramGb)
      if (offer.pricePerHour < row.minPrice) row.minPrice = offer.pricePerHour
      if (offer.pricePerHour > row.maxPrice) row.maxPrice = offer.pricePerHour
      row.offers++
      if (!row.providers.includes(offer.provider)) row.providers = [...row.providers, offer.provider].sort()
    }
    if (!row.countries.includes(offer.location)) row.countries = [...row.countries, offer.location].sort()
  }
  const folded = [...bySku.values()]
  // New SKUs go where the store would have put them (by model, then GPU count); otherwise its order stands.
  return added ? folded.sort((a, b) => (a.gpuType < b.gpuType ? -1 : a.gpuType > b.gpuType ? 1 : a.gpuCount - b.gpuCount)) : folded
}

function skuKey(sku: {gpuType: string; gpuCount: number}): string {
  return `${sku.gpuType}\u0000${sku.gpuCount}`
}
