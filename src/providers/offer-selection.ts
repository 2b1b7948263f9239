import {gpuMatchesFilter} from '../core/gpu-names.js'
import {defaultOrder, type InventoryQuery} from '../core/inventory-query.js'
import {locationMatches} from '../core/location.js'
import type {Offer} from '../core/offer.js'

/**
 * A query applied to normalised offers after fetching. TensorDock takes no filters at all;
 * for Vast.ai it also covers what its query language cannot express (exact VRAM variants,
 * unknown GPU spellings, location substrings) and keeps results right should the server
 * ignore a filter. An offer without a CUDA version fails a `minCuda` filter rather than
 * promise a driver nobody reported.
 */
export function offerMatchesQuery(offer: Offer, query: InventoryQuery): boolean {
  if (query.provider !== undefined && query.provider !== offer.provider) return false
  if (!offer.available) return false
  if (query.gpuType && !gpuMatchesFilter(offer.gpuType, query.gpuType, offer.vramGb)) return false
  if (query.minVramGb !== undefined && offer.vramGb < query.minVramGb) return false
  if (query.maxPricePerHour !== undefined && offer.pricePerHour > query.maxPricePerHour) return false
  if (query.minGpuCount !== undefined && offer.gpuCount < query.minGpuCount) return false
  if (query.minReliability !== undefined && (offer.reliability ?? 0) < query.minReliability) return false
  if (query.minCuda !== undefined && (offer.cudaVersion ?? 0) < query.minCuda) return false
  if (query.minDiskGb !== undefined && (offer.diskGb ?? 0) < query.minDiskGb) return false
  if (query.location && !locationMatches(offer.location, offer.countryCode, query.location)) return false
  return true
}

/** Filters, sorts (stably, so the provider's order survives among equals) and pages. */
export function selectOffers(offers: Offer[], query: InventoryQuery): Offer[] {
  const matching = offers.filter((o) => offerMatchesQuery(o, query))
  const sort = query.sort ?? 'price'
  const key: ((o: Offer) => number) | null =
    sort === 'price' ? (o) => o.pricePerHour
    : sort === 'price_per_gpu' ? (o) => o.pricePerHour / o.gpuCount
    : sort === 'vram' ? (o) => o.vramGb
    : sort === 'reliability' ? (o) => o.reliability ?? 0
    : null
  const direction = (query.order ?? defaultOrder(sort)) === 'asc' ? 1 : -1
  const sorted = key === null
    ? matching
    : matching
        .map((offer, index) => ({offer, index}))
        .sort((a, b) => direction * (key(a.offer) - key(b.offer)) || a.index - b.index)
        .map((entry) => entry.offer)
  const offset = query.offset ?? 0
  return sorted.slice(offset, query.limit === undefined ? undefined : offset + query.limit)
}
