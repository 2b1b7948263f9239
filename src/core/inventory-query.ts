import type {MicroUsd} from './money.js'
import type {ProviderName} from './provider-name.js'

export const OFFER_SORT_KEYS = ['price', 'price_per_gpu', 'vram', 'reliability', 'fetched_at'] as const
export type OfferSortKey = (typeof OFFER_SORT_KEYS)[number]

/** What a user can ask of the inventory; every field is optional and ANDed. */
export interface InventoryQuery {
  provider?: ProviderName
  /** Canonical or alias GPU name, matched case-insensitively after normalisation. */
  gpuType?: string
  /** Substring of the location or a country code. */
  location?: string
  minVramGb?: number
  maxPricePerHour?: MicroUsd
  minGpuCount?: number
  minReliability?: number
  minCuda?: number
  /** GB of disk the offer must have room for (a template's need); offers with none reported drop out. */
  minDiskGb?: number
  sort?: OfferSortKey
  order?: 'asc' | 'desc'
  limit?: number
  offset?: number
}

/** Natural direction of each sort key: cheapest, largest, most reliable, newest first. */
export function defaultOrder(sort: OfferSortKey): 'asc' | 'desc' {
  return sort === 'price' || sort === 'price_per_gpu' ? 'asc' : 'desc'
}
