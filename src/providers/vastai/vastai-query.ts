import {describeGpu, providerGpuNamesFor} from '../../core/gpu-names.js'
import {defaultOrder, type InventoryQuery, type OfferSortKey} from '../../core/inventory-query.js'
import {countryCode} from '../../core/location.js'
import {microToUsd} from '../../core/money.js'

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
