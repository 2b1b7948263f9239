import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'
import {cleanLocation, countryCodeFromLocation} from '../../core/location.js'
import {toMicroUsd} from '../../core/money.js'
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

/** Reads a `/bundles/` reply; null when the reply is not an offer page at all. */
export function parseOfferPage(body: unknown, fetchedAt: number): OfferPage | null {
  const page = vastOfferPageSchema.safeParse(body)
  if (!page.success) return null
  const offers: Offer[] = []
  const problems: string[] = []
  let skipped = 0
  for (const item of page.data.offers) {
    const parsed = vastOfferSchema.safeParse(item)
    const offer = parsed.success ? offerFromVast(parsed.data, fetchedAt) : null
    if (offer) {
      offers.push(offer)
      continue
    }
    skipped++
    if (problems.length < MAX_PROBLEMS) problems.push(describeProblem(item, parsed.success ? null : parsed.error.issues))
  }
  return {offers, skipped, problems}
}

/** Normalises one parsed offer; null when its values make no sense (no GPUs, negative price). */
export function offerFromVast(raw: VastOffer, fetchedAt: number): Offer | null {
  if (!Number.isInteger(raw.num_gpus) || raw.num_gpus < 1) return null
  if (!(raw.dph_total >= 0) || !(raw.gpu_ram > 0)) return null
  const vramGb = vramGbFromMib(raw.gpu_ram)
  const providerId = String(raw.id)
  const countryCode = countryCodeFromLocation(raw.geolocation)
  return {
    id: makeOfferId('vastai', providerId),
    provider: 'vastai',
    providerId,
    gpuType: normalizeGpuName(raw.gpu_name, vramGb),
    gpuCount: raw.num_gpus,
    vramGb,
    pricePerHour: toMicroUsd(raw.dph_total),
    location: cleanLocation(raw.geolocation) || (countryCode ?? ''),
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
  }
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
