import {isRecord} from '../shared/http-util.js'
import {pickOne, pickWeighted, randomFloat, randomInt, roundTo, type Random} from '../shared/prng.js'
import {findGpuModel, TENSORDOCK_GPUS, type TensorDockGpuModel} from './gpu-catalog.js'
import {seededUuid} from './ids.js'

/** One GPU a location offers, exactly as `GET /api/v2/locations` spells it (providers.md §2.4). */
export interface TdLocationGpu {
  v0Name: string
  displayName: string
  /** GPUs deployable in one VM here ("often inaccurate" live). */
  max_count: number
  /** USD per hour **per GPU**; vCPU, RAM and storage are priced on top (`pricing`). */
  price_per_hr: number
  resources: {max_vcpus: number; max_ram_gb: number; max_storage_gb: number}
  pricing: {per_vcpu_hr: number; per_gb_ram_hr: number; per_gb_storage_hr: number}
  network_features: {dedicated_ip_available: boolean; port_forwarding_available: boolean; network_storage_available: boolean}
}

export interface TdLocation {
  id: string
  city: string
  stateprovince: string
  country: string
  /** 1–4; live values reach 4 although comments elsewhere say 1–3. */
  tier: number
  gpus: TdLocationGpu[]
}

/** Per-location prices for what comes with the GPUs, in USD per unit-hour. */
export interface SitePricing {
  per_vcpu_hr: number
  per_gb_ram_hr: number
  per_gb_storage_hr: number
}

export function makeSitePricing(rng: Random): SitePricing {
  return {
    per_vcpu_hr: roundTo(randomFloat(rng, 0.002, 0.004), 4),
    per_gb_ram_hr: roundTo(randomFloat(rng, 0.001, 0.0025), 4),
    // The storage price is the same everywhere in every sample seen.
    per_gb_storage_hr: 0.00005,
  }
}

export interface SiteNetwork {
  dedicated_ip_available: boolean
  port_forwarding_available: boolean
  network_storage_available: boolean
}

export function makeSiteNetwork(rng: Random): SiteNetwork {
  return {
    dedicated_ip_available: rng() < 0.8,
    port_forwarding_available: rng() < 0.9,
    network_storage_available: rng() < 0.3,
  }
}

/** Mostly inside the model's range, skewed cheap, with a rare listing above it. */
function gpuPrice(rng: Random, model: TensorDockGpuModel): number {
  const [low, high] = model.priceRange
  let price = low + (high - low) * rng() ** 1.2
  if (rng() < 0.05) price = high * randomFloat(rng, 1.05, 1.3)
  return roundTo(price, 2)
}

/** A generated listing of `model` at a site, with resources scaled to the GPUs a VM can take. */
export function makeLocationGpu(rng: Random, model: TensorDockGpuModel, pricing: SitePricing, network: SiteNetwork, options: {raw?: boolean} = {}): TdLocationGpu {
  const maxCount = model.datacenter
    ? pickWeighted(rng, [[1, 25], [2, 20], [4, 30], [8, 25]] as const)
    : pickWeighted(rng, [[1, 35], [2, 30], [3, 10], [4, 20], [6, 3], [8, 2]] as const)
  const vcpusPerGpu = pickOne(rng, model.datacenter ? [16, 24, 32] : [8, 12, 16])
  const ramPerGpu = pickOne(rng, model.datacenter ? [64, 96, 128] : [32, 48, 64])
  const raw = options.raw ?? rng() < model.rawDisplayChance
  return {
    v0Name: model.v0Name,
    displayName: raw ? model.v0Name : model.displayName,
    max_count: maxCount,
    price_per_hr: gpuPrice(rng, model),
    resources: {
      max_vcpus: maxCount * vcpusPerGpu,
      max_ram_gb: maxCount * ramPerGpu,
      max_storage_gb: pickOne(rng, [1000, 2000, 4000, 8000]),
    },
    pricing: {...pricing},
    network_features: {...network},
  }
}

/** Lays a partial location (as `POST /_sim/offers` takes it) over generated defaults. */
export function completeLocation(rng: Random, partial: Record<string, unknown>): TdLocation {
  const pricing = makeSitePricing(rng)
  const network = makeSiteNetwork(rng)
  const gpusRaw = Array.isArray(partial.gpus) ? partial.gpus : []
  const gpus = gpusRaw
    .filter((g): g is Record<string, unknown> => typeof g === 'object' && g !== null && !Array.isArray(g))
    .map((g) => completeLocationGpu(rng, g, pricing, network))
  return {
    id: typeof partial.id === 'string' ? partial.id : seededUuid(rng),
    city: typeof partial.city === 'string' ? partial.city : 'Chicago',
    stateprovince: typeof partial.stateprovince === 'string' ? partial.stateprovince : 'Illinois',
    country: typeof partial.country === 'string' ? partial.country : 'United States',
    tier: partial.tier === undefined ? randomInt(rng, 1, 4) : Number(partial.tier),
    gpus,
  }
}

function completeLocationGpu(rng: Random, partial: Record<string, unknown>, pricing: SitePricing, network: SiteNetwork): TdLocationGpu {
  const v0Name = typeof partial.v0Name === 'string' ? partial.v0Name : 'geforcertx4090-pcie-24gb'
  const model = findGpuModel(v0Name) ?? (TENSORDOCK_GPUS[0] as TensorDockGpuModel)
  const base = makeLocationGpu(rng, model, pricing, network, {raw: false})
  const merged: TdLocationGpu = {
    ...base,
    v0Name,
    displayName: typeof partial.displayName === 'string' ? partial.displayName : findGpuModel(v0Name)?.displayName ?? v0Name,
  }
  if (partial.max_count !== undefined) {
    merged.max_count = Number(partial.max_count)
    // Room for that many GPUs' worth of vCPUs and RAM, unless the resources are given too.
    const perGpu = Math.max(base.max_count, 1)
    merged.resources = {
      ...merged.resources,
      max_vcpus: Math.max(1, merged.max_count) * (base.resources.max_vcpus / perGpu),
      max_ram_gb: Math.max(1, merged.max_count) * (base.resources.max_ram_gb / perGpu),
    }
  }
  if (partial.price_per_hr !== undefined) merged.price_per_hr = Number(partial.price_per_hr)
  if (isRecord(partial.resources)) merged.resources = {...merged.resources, ...numbers(partial.resources)} as TdLocationGpu['resources']
  if (isRecord(partial.pricing)) merged.pricing = {...merged.pricing, ...numbers(partial.pricing)} as TdLocationGpu['pricing']
  if (isRecord(partial.network_features)) {
    merged.network_features = {...merged.network_features, ...partial.network_features} as TdLocationGpu['network_features']
  }
  return merged
}

function numbers(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v)]))
}
