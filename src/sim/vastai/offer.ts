/**
 * One Vast.ai offer (ask) exactly as the real API names and types its fields
 * (providers.md §1.4.1). Extra fields posted through the control API are kept as given.
 */
export interface VastOffer {
  [field: string]: unknown
  id: number
  ask_contract_id: number
  bundle_id: number
  bundled_results: number | null
  machine_id: number
  host_id: number
  hosting_type: number
  datacenter: boolean
  external: boolean | null
  gpu_name: string
  gpu_arch: string
  num_gpus: number
  /** MiB per GPU. */
  gpu_ram: number
  gpu_total_ram: number
  gpu_frac: number
  gpu_max_power: number
  gpu_max_temp: number
  gpu_mem_bw: number
  gpu_lanes: number
  gpu_display_active: boolean
  bw_nvlink: number
  pci_gen: number
  pcie_bw: number
  compute_cap: number
  cuda_max_good: number
  driver_version: string
  driver_vers: number
  cpu_name: string
  cpu_arch: string
  cpu_cores: number | null
  cpu_cores_effective: number
  cpu_ghz: number
  /** MB of host RAM. */
  cpu_ram: number
  has_avx: boolean
  mobo_name: string
  os_version: string
  /** GB available. */
  disk_space: number
  disk_bw: number
  disk_name: string
  inet_up: number
  inet_down: number
  /** USD per GB transferred. */
  inet_up_cost: number
  inet_down_cost: number
  /** USD per hour for the whole offer, compute only. */
  dph_base: number
  /** USD per hour including `allocated_storage`; recomputed for every search. */
  dph_total: number
  /** USD per GB per month. */
  storage_cost: number
  storage_total_cost: number
  /** USD per hour, current minimum interruptible bid. */
  min_bid: number
  credit_discount_max: number
  reliability: number
  reliability2: number
  score: number
  dlperf: number
  dlperf_per_dphtotal: number
  total_flops: number
  flops_per_dphtotal: number
  geolocation: string
  geolocode: number
  direct_port_count: number
  verification: string
  verified: boolean
  rentable: boolean
  rented: boolean | null
  static_ip: boolean
  public_ipaddr: string
  /** Seconds of rental left; recomputed from `end_date` on every read. */
  duration: number
  start_date: number
  end_date: number
  is_bid: boolean
  vms_enabled: boolean
  resource_type: string
  cluster_id: number | null
  search: OfferPriceBreakdown
  instance: OfferPriceBreakdown
}

export interface OfferPriceBreakdown {
  gpuCostPerHour: number
  diskHour: number
  totalHour: number
  discountTotalHour: number
  discountedTotalPerHour: number
}

export type OfferType = 'on-demand' | 'bid' | 'reserved'

/** What `dph_total` prices storage at when a query gives no `allocated_storage` (the docs' default). */
export const DEFAULT_ALLOCATED_STORAGE_GB = 8

/** Hours in the month Vast divides `storage_cost` by. */
const HOURS_PER_MONTH = 720

export function storageDph(storageCostPerGbMonth: number, gb: number): number {
  return (gb * storageCostPerGbMonth) / HOURS_PER_MONTH
}

/**
 * The offer as a search returns it: priced for `allocatedStorage` GB and the rental `type`,
 * `duration` counted from now. Returns a copy; the stored offer is never changed.
 */
export function priceOffer(offer: VastOffer, allocatedStorage: number, type: OfferType, nowMs: number): VastOffer {
  return priceOfferInPlace({...offer}, allocatedStorage, type, nowMs)
}

/**
 * `priceOffer` without the copy, for an offer no one else holds yet. Assigning fields of one
 * plain clone is several times faster than spreading into a literal with overrides, which
 * matters at 100k offers per search.
 */
export function priceOfferInPlace(offer: VastOffer, allocatedStorage: number, type: OfferType, nowMs: number): VastOffer {
  const diskHour = storageDph(offer.storage_cost, allocatedStorage)
  const gpuCostPerHour = type === 'bid' ? offer.min_bid : offer.dph_base
  const totalHour = gpuCostPerHour + diskHour
  const discount = type === 'reserved' ? totalHour * offer.credit_discount_max : 0
  const dphTotal = totalHour - discount
  offer.dph_total = dphTotal
  offer.storage_total_cost = diskHour
  offer.dlperf_per_dphtotal = dphTotal > 0 ? offer.dlperf / dphTotal : 0
  offer.flops_per_dphtotal = dphTotal > 0 ? offer.total_flops / dphTotal : 0
  offer.is_bid = type === 'bid'
  offer.duration = Math.max(0, offer.end_date - nowMs / 1000)
  const breakdown: OfferPriceBreakdown = {gpuCostPerHour, diskHour, totalHour, discountTotalHour: discount, discountedTotalPerHour: dphTotal}
  offer.search = breakdown
  offer.instance = {...breakdown}
  return offer
}
