import {deriveSeed, mulberry32, pickOne, randomFloat, randomInt, roundTo} from '../shared/prng.js'
import {seededUuid} from './ids.js'
import type {TdLocation, TdLocationGpu} from './location.js'

/** One hostnode as `GET /api/v2/hostnodes` shows it (providers.md §2.5). */
export interface TdHostnode {
  id: string
  location_id: string
  engine: 'kvm'
  uptime_percentage: number
  available_resources: {
    gpus: {v0Name: string; availableCount: number; price_per_hr: number}[]
    vcpu_count: number
    ram_gb: number
    storage_gb: number
    max_vcpus_per_gpu: number
    max_ram_per_gpu: number
    /** External ports a hostnode-based create may forward to. */
    available_ports: number[]
    has_public_ip_available: boolean
  }
  pricing: {per_vcpu_hr: number; per_gb_ram_hr: number; per_gb_storage_hr: number}
  location: {
    uuid: string
    city: string
    stateprovince: string
    country: string
    tier: number
    has_network_storage: boolean
    network_speed_gbps: number
    network_speed_upload_gbps: number
    organization: string
    organizationName: string
  }
}

const ORGS = [
  ['northgrid', 'NorthGrid Compute'],
  ['cornfield', 'Cornfield Cloud LLC'],
  ['rackhouse', 'Rackhouse Hosting'],
  ['bluepeak', 'BluePeak Data'],
] as const

/**
 * The hostnodes behind the locations: one per (location, GPU) listing, so both views of the
 * market always agree (a GPU removed from a location takes its hostnode with it). Everything not
 * in the location comes from a PRNG keyed by the listing, stable across reads and churn.
 */
export function hostnodesOf(seed: number, locations: readonly TdLocation[]): TdHostnode[] {
  return locations.flatMap((location) => location.gpus.map((gpu) => hostnodeFor(seed, location, gpu)))
}

export function hostnodeFor(seed: number, location: TdLocation, gpu: TdLocationGpu): TdHostnode {
  const rng = mulberry32(deriveSeed(seed, `hostnode:${location.id}:${gpu.v0Name}`))
  const id = seededUuid(rng)
  const portBase = randomInt(rng, 20, 47) * 1000
  const ports = Array.from({length: randomInt(rng, 3, 8)}, (_, i) => portBase + i * randomInt(rng, 1, 40) + i)
  const [organization, organizationName] = pickOne(rng, ORGS)
  const count = Math.max(gpu.max_count, 1)
  return {
    id,
    location_id: location.id,
    engine: 'kvm',
    uptime_percentage: roundTo(randomFloat(rng, 97, 99.99), 2),
    available_resources: {
      gpus: [{v0Name: gpu.v0Name, availableCount: gpu.max_count, price_per_hr: gpu.price_per_hr}],
      vcpu_count: gpu.resources.max_vcpus,
      ram_gb: gpu.resources.max_ram_gb,
      storage_gb: gpu.resources.max_storage_gb,
      max_vcpus_per_gpu: Math.floor(gpu.resources.max_vcpus / count),
      max_ram_per_gpu: Math.floor(gpu.resources.max_ram_gb / count),
      available_ports: [...new Set(ports)].sort((a, b) => a - b),
      has_public_ip_available: gpu.network_features.dedicated_ip_available,
    },
    pricing: {...gpu.pricing},
    location: {
      uuid: location.id,
      city: location.city,
      stateprovince: location.stateprovince,
      country: location.country,
      tier: location.tier,
      has_network_storage: gpu.network_features.network_storage_available,
      network_speed_gbps: pickOne(rng, [1, 2.5, 10]),
      network_speed_upload_gbps: pickOne(rng, [1, 2.5, 10.5]),
      organization,
      organizationName,
    },
  }
}
