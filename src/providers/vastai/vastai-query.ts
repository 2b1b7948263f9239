import {describeGpu, gpuMatchesFilter, providerGpuNamesFor} from '../../core/gpu-names.js'
import {defaultOrder, type InventoryQuery, type OfferSortKey} from '../../core/inventory-query.js'
import {countryCode, locationMatches} from '../../core/location.js'
import {microToUsd} from '../../core/money.js'
import type {Offer} from '../../core/offer.js'

export interface VastQueryOptions {
  /** Offers to ask for when the query sets no limit. */
  defaultLimit: number
  /** GB of disk Vast prices into `dph_total`; left to Vast's default when unset. */
  allocatedStorageGb?: number
}

const SORT_FIELDS: Record<OfferSortKey, string | null> = {
  price: 'dph_total',
  // Vast has no per-GPU price column; total price is the closest server-side order.
  price_per_gpu: 'dph_total',
  vram: 'gpu_ram',
  reliability: 'reliability2',
  fetched_at: null,
}

/**
 * The `/bundles/` query for an inventory query, pushing every filter Vast can evaluate.
 * `gpu_ram` is MiB on Vast's side and vast.py sends GB × 1000, which keeps a "24 GB" filter
 * from excluding a 24564 MiB RTX 4090.
 */
export function buildVastQuery(query: InventoryQuery, options: VastQueryOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {
    rentable: {eq: true},
    rented: {eq: false},
    type: 'on-demand',
  }
  if (query.gpuType) {
    const names = providerGpuNamesFor(query.gpuType)
    if (names.length > 0) body.gpu_name = {in: names}
  }
  const minVram = Math.max(query.minVramGb ?? 0, query.gpuType ? (describeGpu(query.gpuType).vramGb ?? 0) : 0)
  if (minVram > 0) body.gpu_ram = {gte: minVram * 1000}
  if (query.maxPricePerHour !== undefined) body.dph_total = {lte: microToUsd(query.maxPricePerHour)}
  if (query.minGpuCount !== undefined) body.num_gpus = {gte: query.minGpuCount}
  if (query.minReliability !== undefined) body.reliability2 = {gte: query.minReliability}
  if (query.location) {
    const code = countryCode(query.location)
    if (code !== null) body.geolocation = {in: [code]}
  }
  if (query.minCuda !== undefined) body.cuda_max_good = {gte: query.minCuda}
  const sort = query.sort ?? 'price'
  const field = SORT_FIELDS[sort]
  // Every offer of one reply has the same fetch time, so cheapest-first is the useful order there.
  body.order = field === null ? [['dph_total', 'asc']] : [[field, query.order ?? defaultOrder(sort)]]
  body.limit = (query.limit ?? options.defaultLimit) + (query.offset ?? 0)
  if (options.allocatedStorageGb !== undefined) body.allocated_storage = options.allocatedStorageGb
  return body
}

/**
 * The same filters, applied to normalised offers: they also cover what Vast cannot express
 * (exact VRAM variants, unknown GPU spellings, location substrings) and keep results right
 * should the server ignore a filter.
 */
export function offerMatchesQuery(offer: Offer, query: InventoryQuery): boolean {
  if (!offer.available) return false
  if (query.gpuType && !gpuMatchesFilter(offer.gpuType, query.gpuType, offer.vramGb)) return false
  if (query.minVramGb !== undefined && offer.vramGb < query.minVramGb) return false
  if (query.maxPricePerHour !== undefined && offer.pricePerHour > query.maxPricePerHour) return false
  if (query.minGpuCount !== undefined && offer.gpuCount < query.minGpuCount) return false
  if (query.minReliability !== undefined && (offer.reliability ?? 0) < query.minReliability) return false
  if (query.minCuda !== undefined && (offer.cudaVersion ?? 0) < query.minCuda) return false
  if (query.location && !locationMatches(offer.location, offer.countryCode, query.location)) return false
  return true
}
