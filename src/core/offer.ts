import type {MicroUsd} from './money.js'
import type {ProviderName} from './provider-name.js'

/** One rentable configuration, normalised across providers. */
export interface Offer {
  /** `<provider>-<provider_id>`, the id users pass to `provision --offer-id`. */
  id: string
  provider: ProviderName
  providerId: string
  /** Canonical model name, the same whichever provider sells it (e.g. "RTX 4090"). */
  gpuType: string
  gpuCount: number
  /** Per GPU, whole GB. */
  vramGb: number
  /** Whole offer per hour, integer micro-USD. */
  pricePerHour: MicroUsd
  /** Human-readable place, e.g. "Texas, US". */
  location: string
  /** ISO 3166-1 alpha-2 code when known ("US"), else null. */
  countryCode: string | null
  /** 0..1, null when the provider has no such score. */
  reliability: number | null
  available: boolean
  /** Epoch ms of the provider reply this offer came from. */
  fetchedAt: number
  cudaVersion: number | null
  diskGb: number | null
  cpuCores: number | null
  ramGb: number | null
  inetDownMbps: number | null
  /** What `pricePerHour` buys besides the GPUs: exactly what a default session rents. */
  priceIncludes: PriceIncludes
  /** How the provider prices disk, to quote another disk size; null when it does not say. */
  diskRate: DiskRate | null
  /**
   * Who may rent it: a self-hosted node's offers belong to the tenant that registered the node;
   * marketplace offers (absent or null) to everyone.
   */
  tenantId?: string | null
  /**
   * The machine it runs on, `<provider>:<machine>`, where the provider says: provisioning
   * failures follow the machine when the market lists it again under a new offer id.
   */
  hostId?: string | null
}

export interface PriceIncludes {
  diskGb: number
  /** vCPUs and RAM the price pays for, where the provider prices them apart (TensorDock). */
  vcpus: number | null
  ramGb: number | null
}

/** USD per GB of disk, in the provider's own unit: Vast.ai per GB-month, TensorDock per GB-hour. */
export interface DiskRate {
  usdPerGb: number
  per: 'month' | 'hour'
  /** The smallest disk the provider rents (TensorDock: 100 GB); a smaller request gets this much. */
  minimumGb: number
}

/** Per GPU-hour; a CPU-only slice (no GPU) counts as one unit, so its price is its own. */
export function pricePerGpu(offer: Pick<Offer, 'pricePerHour' | 'gpuCount'>): MicroUsd {
  return Math.round(offer.pricePerHour / Math.max(1, offer.gpuCount)) as MicroUsd
}

export function makeOfferId(provider: ProviderName, providerId: string): string {
  return `${provider}-${providerId}`
}

/** Splits `<provider>-<provider_id>`; the provider id itself may contain dashes. */
export function parseOfferId(offerId: string): {provider: string; providerId: string} | null {
  const dash = offerId.indexOf('-')
  if (dash <= 0 || dash === offerId.length - 1) return null
  return {provider: offerId.slice(0, dash), providerId: offerId.slice(dash + 1)}
}
