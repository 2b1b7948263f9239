import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'
import {cleanLocation, countryCodeFromLocation} from '../../core/location.js'
import {asMicroUsd, ceilMicroUsd, toMicroUsd} from '../../core/money.js'
import {monthlyDiskPricePerHour} from '../../core/offer-quote.js'
import {makeOfferId, type Offer} from '../../core/offer.js'

import {vastOfferPageSchema, vastOfferSchema, type VastOffer} from './vastai-wire.js'

export interface OfferPage {
  offers: Offer[]
  /** Offers in the reply that could not be read; counted, not fatal. */
  skipped: number
  /** Why, for the first few skipped offers (ids and field paths, never whole bodies). */
  problems: string[]
}

const MAX_PROBLEMS = 5

/**
 * Reads a `/bundles/` reply; null when the reply is not an offer page at all.
 * `allocatedStorageGb` is the disk the search asked Vast to price into `dph_total`: the disk a
 * default session rents, so the listed price is what such a session pays.
 */
export function parseOfferPage(body: unknown, fetchedAt: number, allocatedStorageGb: number): OfferPage | null {
  const page = vastOfferPageSchema.safeParse(body)
  if (!page.success) return null
  const reader = new VastOfferReader(fetchedAt, allocatedStorageGb)
  return {offers: reader.read(page.data.offers), skipped: reader.skipped, problems: reader.problems}
}

/** Turns the offers of a reply into normalised offers, counting (not failing on) the unreadable ones. */
export class VastOfferReader {
  skipped = 0
  /** Why, for the first few skipped offers (ids and field paths, never whole bodies). */
  readonly problems: string[] = []

  constructor(
    private readonly fetchedAt: number,
    private readonly allocatedStorageGb: number,
  ) {}

  read(items: readonly unknown[]): Offer[] {
    const offers: Offer[] = []
    for (const item of items) {
      // Most offers arrive well-typed; only the odd ones pay for zod's coercing parse.
      const parsed = isCleanVastOffer(item) ? {success: true as const, data: item} : vastOfferSchema.safeParse(item)
      const offer = parsed.success ? offerFromVast(parsed.data, this.fetchedAt, this.allocatedStorageGb) : null
      if (offer) {
        offers.push(offer)
        continue
      }
      this.skipped++
      if (this.problems.length < MAX_PROBLEMS) this.problems.push(describeProblem(item, parsed.success ? null : parsed.error.issues))
    }
    return offers
  }
}

/**
 * True when an offer already has exactly the types the schema would produce (numbers as
 * numbers, no strings to coerce), so it can skip the schema: a 20k-offer page is ingested
 * several times faster. Anything unusual goes through `vastOfferSchema` as before. Written
 * out field by field because dynamic keys defeat V8's inline caches on these wide objects.
 */
function isCleanVastOffer(item: unknown): item is VastOffer {
  if (item === null || typeof item !== 'object') return false
  const o = item as Record<string, unknown>
  const id = o.id
  const name = o.gpu_name
  return (
    typeof id === 'number' && Number.isSafeInteger(id) && id > 0 &&
    typeof name === 'string' && name !== '' && name.trim() === name &&
    typeof o.num_gpus === 'number' && typeof o.gpu_ram === 'number' && typeof o.dph_total === 'number' &&
    optionalNumber(o.reliability2) && optionalNumber(o.reliability) && optionalNumber(o.cuda_max_good) &&
    optionalNumber(o.disk_space) && optionalNumber(o.cpu_cores) && optionalNumber(o.cpu_cores_effective) &&
    optionalNumber(o.cpu_ram) && optionalNumber(o.inet_down) && optionalNumber(o.machine_id) && optionalNumber(o.dph_base) && optionalNumber(o.storage_cost) &&
    (o.geolocation == null || typeof o.geolocation === 'string') &&
    (o.rentable == null || typeof o.rentable === 'boolean') &&
    (o.rented == null || typeof o.rented === 'boolean')
  )
}

function optionalNumber(value: unknown): boolean {
  return value == null || typeof value === 'number'
}

/** Few distinct names and places recur across thousands of offers: normalise each once. */
const gpuNameCache = new Map<string, string>()
const locationCache = new Map<string, {location: string; countryCode: string | null}>()
const CACHE_LIMIT = 10_000

function cachedGpuName(raw: string, vramGb: number): string {
  const key = `${raw}\u0000${vramGb}`
  let name = gpuNameCache.get(key)
  if (name === undefined) {
    if (gpuNameCache.size >= CACHE_LIMIT) gpuNameCache.clear()
    name = normalizeGpuName(raw, vramGb)
    gpuNameCache.set(key, name)
  }
  return name
}

function cachedLocation(geolocation: string | null | undefined): {location: string; countryCode: string | null} {
  const key = geolocation ?? ''
  let place = locationCache.get(key)
  if (place === undefined) {
    if (locationCache.size >= CACHE_LIMIT) locationCache.clear()
    const countryCode = countryCodeFromLocation(geolocation)
    place = {location: cleanLocation(geolocation) || (countryCode ?? ''), countryCode}
    locationCache.set(key, place)
  }
  return place
}

/** Normalises one parsed offer; null when its values make no sense (no GPUs, negative price). */
export function offerFromVast(raw: VastOffer, fetchedAt: number, allocatedStorageGb: number): Offer | null {
  if (!Number.isInteger(raw.num_gpus) || raw.num_gpus < 1) return null
  if (!(raw.dph_total >= 0) || !(raw.gpu_ram > 0)) return null
  const vramGb = vramGbFromMib(raw.gpu_ram)
  const providerId = String(raw.id)
  const {location, countryCode} = cachedLocation(raw.geolocation)
  // As billed: compute (`dph_base`) and the default disk at `storage_cost`, each rounded up.
  // `dph_total` prices the same disk but is rounded Vast's way; it is the fallback.
  const diskRate = nonNegative(raw.storage_cost) !== null ? {usdPerGb: raw.storage_cost!, per: 'month' as const, minimumGb: 1} : null
  const base = nonNegative(raw.dph_base)
  const pricePerHour =
    base !== null && diskRate ? asMicroUsd(ceilMicroUsd(base) + monthlyDiskPricePerHour(allocatedStorageGb, diskRate.usdPerGb)) : toMicroUsd(raw.dph_total)
  return {
    id: makeOfferId('vastai', providerId),
    provider: 'vastai',
    providerId,
    gpuType: cachedGpuName(raw.gpu_name, vramGb),
    gpuCount: raw.num_gpus,
    vramGb,
    pricePerHour,
    location,
    countryCode,
    reliability: unitInterval(raw.reliability2 ?? raw.reliability),
    // vast.py treats a null `rented` as not rented; a missing `rentable` was already filtered server-side.
    available: raw.rentable !== false && raw.rented !== true,
    fetchedAt,
    cudaVersion: positive(raw.cuda_max_good),
    diskGb: positive(raw.disk_space),
    cpuCores: cpuCores(raw),
    ramGb: ramShareGb(raw),
    inetDownMbps: positive(raw.inet_down),
    priceIncludes: {diskGb: allocatedStorageGb, vcpus: null, ramGb: null},
    diskRate,
    hostId: raw.machine_id != null && Number.isSafeInteger(raw.machine_id) ? `vastai:${raw.machine_id}` : null,
  }
}

function nonNegative(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) && value >= 0 ? value : null
}

function cpuCores(raw: VastOffer): number | null {
  const effective = positive(raw.cpu_cores_effective)
  if (effective !== null) return Math.max(1, Math.round(effective))
  const total = positive(raw.cpu_cores)
  return total === null ? null : Math.round(total)
}

/** `cpu_ram` is the host's MB; a renter gets the share matching its share of the cores (as gpuhunt computes it). */
function ramShareGb(raw: VastOffer): number | null {
  const ramMb = positive(raw.cpu_ram)
  if (ramMb === null) return null
  const effective = positive(raw.cpu_cores_effective)
  const total = positive(raw.cpu_cores)
  const share = effective !== null && total !== null && effective < total ? effective / total : 1
  return Math.round((ramMb * share) / 100) / 10
}

function positive(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) && value > 0 ? value : null
}

function unitInterval(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null
  return Math.min(1, Math.max(0, value))
}

function describeProblem(item: unknown, issues: readonly {path: readonly PropertyKey[]; message: string}[] | null): string {
  const id = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).id : undefined
  const label = `offer ${id === undefined ? '(no id)' : JSON.stringify(id)}`
  if (!issues) return `${label}: values out of range`
  return `${label}: ${issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')}`
}
