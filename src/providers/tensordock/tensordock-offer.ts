import {normalizeGpuName, providerGpuNamesFor} from '../../core/gpu-names.js'
import {cleanLocation, countryCode} from '../../core/location.js'
import {toMicroUsd, type MicroUsd} from '../../core/money.js'
import {makeOfferId, type Offer} from '../../core/offer.js'

import {encodeOfferKey, isTensorDockUuid, isV0Name} from './tensordock-offer-id.js'
import {
  tensorDockGpuSchema,
  tensorDockLocationSchema,
  tensorDockLocationsReplySchema,
  type TensorDockGpu,
  type TensorDockLocation,
} from './tensordock-wire.js'

/** What the adapter asks for besides GPUs; offers are priced for exactly this. */
export interface TensorDockDeployment {
  vcpus: number
  ramGb: number
  storageGb: number
}

export interface LocationsPage {
  offers: Offer[]
  /** GPU entries (or whole locations) that could not be read; counted, not fatal. */
  skipped: number
  /** Why, for the first few (ids and field paths, never whole bodies). */
  problems: string[]
}

/** TensorDock deploys GPUs in these counts; larger counts are offered up to `max_count`. */
const GPU_COUNTS = [1, 2, 4, 8] as const
const MAX_PROBLEMS = 5

/**
 * `tier` (a data-centre tier, 1..4 live although comments say 1..3) as a 0..1 reliability
 * on the scale of Vast.ai's `reliability2`, where good hosts sit at 0.98–0.99. It is a
 * property of the building, not a track record, and stale inventory is the norm at
 * TensorDock, so no tier reaches 1. Tiers above 4 count as 4; a missing, zero or negative
 * tier is unknown (null). Non-integer tiers round down.
 */
const TIER_RELIABILITY: Readonly<Record<number, number>> = {1: 0.9, 2: 0.95, 3: 0.98, 4: 0.99}

export function reliabilityFromTier(tier: number | null | undefined): number | null {
  if (tier === null || tier === undefined || !Number.isFinite(tier) || tier < 1) return null
  return TIER_RELIABILITY[Math.min(4, Math.floor(tier))] ?? null
}

/** Reads a `GET /locations` reply; null when it is not a locations reply at all. */
export function parseLocations(body: unknown, deployment: TensorDockDeployment, fetchedAt: number): LocationsPage | null {
  const reply = tensorDockLocationsReplySchema.safeParse(body)
  if (!reply.success) return null
  const page: LocationsPage = {offers: [], skipped: 0, problems: []}
  const problem = (text: string) => {
    page.skipped++
    if (page.problems.length < MAX_PROBLEMS) page.problems.push(text)
  }
  for (const item of reply.data.data.locations) {
    const location = tensorDockLocationSchema.safeParse(item)
    if (!location.success) {
      problem(`location ${describeId(item)}: ${issuesText(location.error.issues)}`)
      continue
    }
    // The id goes back into a create request: refuse anything that is not a UUID now.
    if (!isTensorDockUuid(location.data.id)) {
      problem(`location ${JSON.stringify(location.data.id)}: id is not a UUID`)
      continue
    }
    for (const entry of location.data.gpus ?? []) {
      const gpu = tensorDockGpuSchema.safeParse(entry)
      const offers = gpu.success ? offersFromGpu(location.data, gpu.data, deployment, fetchedAt) : null
      if (offers) page.offers.push(...offers)
      else problem(`location ${location.data.id} gpu ${describeV0Name(entry)}: ${gpu.success ? 'values out of range' : issuesText(gpu.error.issues)}`)
    }
  }
  return page
}

/** The offers of one GPU entry (one per deployable count); null when the entry makes no sense. */
export function offersFromGpu(location: TensorDockLocation, gpu: TensorDockGpu, deployment: TensorDockDeployment, fetchedAt: number): Offer[] | null {
  if (!isV0Name(gpu.v0Name)) return null
  if (!(gpu.price_per_hr >= 0) || !Number.isFinite(gpu.max_count)) return null
  const vramGb = vramFromNames(gpu)
  if (vramGb === null) return null

  const gpuType = gpuTypeFor(gpu, vramGb)
  const country = location.country?.trim() ?? ''
  const place = cleanLocation([location.city, location.stateprovince, location.country].filter((p) => p?.trim()).join(', '))
  const fits = resourcesFit(gpu, deployment)
  const maxCount = Math.floor(gpu.max_count)
  // A sold-out model (max_count 0) still shows once, as unavailable, so users see it exists.
  const counts = GPU_COUNTS.filter((count) => count <= Math.max(1, maxCount))
  const storageRate = gpu.pricing?.per_gb_storage_hr
  const diskRate =
    storageRate !== null && storageRate !== undefined && Number.isFinite(storageRate) && storageRate >= 0
      ? {usdPerGb: storageRate, per: 'hour' as const, minimumGb: deployment.storageGb}
      : null
  return counts.map((gpuCount) => {
    const providerId = encodeOfferKey({locationId: location.id, v0Name: gpu.v0Name, gpuCount})
    return {
      id: makeOfferId('tensordock', providerId),
      provider: 'tensordock',
      providerId,
      gpuType,
      gpuCount,
      vramGb,
      pricePerHour: deploymentPrice(gpu, gpuCount, deployment),
      location: place,
      countryCode: country === '' ? null : countryCode(country),
      reliability: reliabilityFromTier(location.tier),
      // max_count is often optimistic live: create may still answer "No available nodes found".
      available: maxCount >= gpuCount && fits,
      fetchedAt,
      cudaVersion: null,
      diskGb: positive(gpu.resources?.max_storage_gb),
      cpuCores: positive(gpu.resources?.max_vcpus),
      ramGb: positive(gpu.resources?.max_ram_gb),
      inetDownMbps: null,
      priceIncludes: {diskGb: deployment.storageGb, vcpus: deployment.vcpus, ramGb: deployment.ramGb},
      diskRate,
      // A location-based deploy lands on one of the location's nodes, which it does not name:
      // the location is the finest place failures can be pinned to.
      hostId: `tensordock:${location.id}`,
    }
  })
}

/**
 * What a create of this offer will cost per hour: the GPUs plus the vCPUs, RAM and storage
 * the adapter requests, at the location's `pricing.per_*_hr` (providers.md §2.9).
 * cloud-gpu-shopper listed `price_per_hr` alone and so understated every offer by the
 * 8 vCPU / 32 GB / 100 GB it always added. Without a `pricing` block only the GPUs can be
 * priced; the instance's `rateHourly` stays the authority for cost tracking.
 */
export function deploymentPrice(gpu: TensorDockGpu, gpuCount: number, deployment: TensorDockDeployment): MicroUsd {
  const rates = gpu.pricing
  const usd =
    gpuCount * gpu.price_per_hr +
    deployment.vcpus * nonNegative(rates?.per_vcpu_hr) +
    deployment.ramGb * nonNegative(rates?.per_gb_ram_hr) +
    deployment.storageGb * nonNegative(rates?.per_gb_storage_hr)
  return toMicroUsd(usd)
}

/**
 * The canonical name, from v0Name first: it is the create key and stays stable, while
 * displayName arrived raw at times (`a40-pcie-48gb`). displayName is used only when it names
 * a model we know and v0Name does not.
 */
export function gpuTypeFor(gpu: Pick<TensorDockGpu, 'v0Name' | 'displayName'>, vramGb: number): string {
  const fromV0 = normalizeGpuName(gpu.v0Name, vramGb)
  if (providerGpuNamesFor(fromV0).length > 0) return fromV0
  const display = gpu.displayName?.trim()
  if (display) {
    const fromDisplay = normalizeGpuName(display, vramGb)
    if (providerGpuNamesFor(fromDisplay).length > 0) return fromDisplay
  }
  return fromV0
}

/** VRAM per GPU from the v0Name `-NNgb` suffix, else a `NN GB` in displayName. */
export function vramFromNames(gpu: Pick<TensorDockGpu, 'v0Name' | 'displayName'>): number | null {
  const suffix = /-(\d{1,3})gb$/i.exec(gpu.v0Name)
  const match = suffix ?? /(\d{1,3})\s*GB\b/i.exec(gpu.displayName ?? '')
  const gb = match ? Number(match[1]) : NaN
  return gb > 0 ? gb : null
}

/** A create asking for more than the location's per-deployment maxima is refused. */
function resourcesFit(gpu: TensorDockGpu, deployment: TensorDockDeployment): boolean {
  const max = gpu.resources
  const within = (limit: number | null | undefined, wanted: number) => limit === null || limit === undefined || limit >= wanted
  return within(max?.max_vcpus, deployment.vcpus) && within(max?.max_ram_gb, deployment.ramGb) && within(max?.max_storage_gb, deployment.storageGb)
}

function positive(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) && value > 0 ? value : null
}

function nonNegative(value: number | null | undefined): number {
  return value !== null && value !== undefined && Number.isFinite(value) && value > 0 ? value : 0
}

function describeId(item: unknown): string {
  const id = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).id : undefined
  return id === undefined ? '(no id)' : JSON.stringify(id)
}

function describeV0Name(item: unknown): string {
  const name = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).v0Name : undefined
  return name === undefined ? '(no v0Name)' : JSON.stringify(name)
}

function issuesText(issues: readonly {path: readonly PropertyKey[]; message: string}[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(root)'} ${i.message}`).join('; ')
}
