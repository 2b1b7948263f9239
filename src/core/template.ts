import type {InventoryQuery} from './inventory-query.js'
import {DEFAULT_DISK_GB, MAX_DISK_GB} from './limits.js'
import type {Offer} from './offer.js'
import type {ProviderName} from './provider-name.js'

/**
 * Where a template's NVIDIA driver comes from: the host's (a container uses the machine's
 * driver, so its CUDA is the offer's), installed in the OS image, missing from it, or not
 * known (never seen live).
 */
export const TEMPLATE_DRIVERS = ['host', 'installed', 'missing', 'unverified'] as const
export type TemplateDriver = (typeof TEMPLATE_DRIVERS)[number]

/**
 * A ready-made machine setup a provider offers, normalised: a Vast.ai template (an image with
 * its environment, start command and the offers it needs) or one of TensorDock's OS images.
 */
export interface Template {
  /** `<provider>-<provider template id>`, the id users pass to `--template`. */
  id: string
  provider: ProviderName
  /** Vast.ai: the template's hash_id, which a create names; TensorDock: the OS image's name. */
  providerTemplateId: string
  name: string
  description: string | null
  /** `name:tag` of a container image (Vast.ai) or the OS image (TensorDock). */
  image: string | null
  /** What the provider runs when the instance starts (Vast.ai's `onstart`). */
  onStart: string | null
  /** Container ports the template publishes. */
  exposedPorts: number[]
  /** The variables the template sets, by name only: their values can be tokens. */
  envNames: string[]
  /** The lowest CUDA version an offer's driver must support; null when the template names none. */
  minCudaVersion: number | null
  /** GB of disk the template needs; null when it does not say. */
  recommendedDiskGb: number | null
  /** The provider recommends it (Vast.ai's curated list; TensorDock's image that works best). */
  recommended: boolean
  nvidiaDriver: TemplateDriver
}

export function makeTemplateId(provider: ProviderName, providerTemplateId: string): string {
  return `${provider}-${providerTemplateId}`
}

/** Splits `<provider>-<provider template id>`; the provider's own id may contain dashes. */
export function parseTemplateId(id: string): {provider: string; providerTemplateId: string} | null {
  const dash = id.indexOf('-')
  if (dash <= 0 || dash === id.length - 1) return null
  return {provider: id.slice(0, dash), providerTemplateId: id.slice(dash + 1)}
}

/** Whether a driver supporting `cudaVersion` can run a template needing `minCudaVersion`: an unknown driver cannot, since nobody reported it. */
export function cudaSupports(cudaVersion: number | null, minCudaVersion: number | null): boolean {
  return minCudaVersion === null || (cudaVersion !== null && cudaVersion >= minCudaVersion)
}

/** The whole GB of disk a template needs; 0 when it does not say. */
export function templateDiskNeedGb(recommendedDiskGb: number | null): number {
  return recommendedDiskGb ? Math.ceil(recommendedDiskGb) : 0
}

/**
 * The disk a session rents: what was asked, or when nothing was, the default raised to what
 * the template needs (a template's image and models do not fit the default disk).
 */
export function templateDiskGb(requested: number | null | undefined, template: Pick<Template, 'recommendedDiskGb'> | null): number {
  if (requested !== null && requested !== undefined) return requested
  return Math.min(MAX_DISK_GB, Math.max(DEFAULT_DISK_GB, templateDiskNeedGb(template?.recommendedDiskGb ?? null)))
}

/**
 * Why `offer` with `diskGb` of disk cannot run `template`, or null: another provider's offer,
 * a driver older than the template's CUDA (an unknown one included: nobody reported it), or
 * less disk than the template needs. Refused before anything is rented.
 */
export function templateProblem(
  template: Template,
  offer: Pick<Offer, 'id' | 'provider' | 'cudaVersion'>,
  diskGb: number,
): string | null {
  if (offer.provider !== template.provider) {
    return `${template.id} is a ${template.provider} template and ${offer.id} is a ${offer.provider} offer; pick a ${template.provider} offer that can run it (gpu-shopper inventory --template ${template.id})`
  }
  const minCuda = template.minCudaVersion
  if (!cudaSupports(offer.cudaVersion, minCuda)) {
    const has = offer.cudaVersion === null ? 'does not say which CUDA its driver supports' : `supports CUDA ${offer.cudaVersion}`
    return `${template.id} (${template.name}) needs CUDA ${minCuda} or later and ${offer.id} ${has}; pick an offer that can run it (gpu-shopper inventory --template ${template.id})`
  }
  const disk = template.recommendedDiskGb
  if (disk !== null && diskGb < disk) {
    return `${template.id} (${template.name}) needs ${disk} GB of disk and ${diskGb} GB was asked for; ask for at least ${Math.ceil(disk)} GB (--disk-gb), or leave it out to get that much`
  }
  return null
}

/**
 * The inventory query narrowed to the offers that can run `template`: its provider's, with a
 * driver for its CUDA (offers with none reported drop out) and room for its disk. A query
 * for another provider's offers is a mistake, said as such rather than answered with nothing.
 */
export function inventoryQueryForTemplate(query: InventoryQuery, template: Template): {query: InventoryQuery} | {problem: string} {
  if (query.provider !== undefined && query.provider !== template.provider) {
    return {problem: `${template.id} is a ${template.provider} template, so no ${query.provider} offer can run it; drop the provider filter or pick a ${query.provider} template (gpu-shopper templates list --provider ${query.provider})`}
  }
  const narrowed: InventoryQuery = {...query, provider: template.provider}
  if (template.minCudaVersion !== null) narrowed.minCuda = Math.max(query.minCuda ?? 0, template.minCudaVersion)
  if (template.recommendedDiskGb !== null) narrowed.minDiskGb = Math.max(query.minDiskGb ?? 0, template.recommendedDiskGb)
  return {query: narrowed}
}

/** What a create names besides the template: its own image, the raw Vast.ai template hash, its disk. */
export interface TemplateCreateRequest {
  image: string | null
  templateHashId: string | null
  diskGb: number
}

/**
 * What a create on `offer` with `template` asks the provider for, or why it cannot run: Vast.ai
 * merges the template named by its hash (an image given as well wins, as on Vast.ai); TensorDock
 * boots the template's OS image.
 */
export function templateCreateTerms(
  template: Template,
  offer: Pick<Offer, 'id' | 'provider' | 'cudaVersion'>,
  request: TemplateCreateRequest,
): {image: string | null; templateHashId: string | null} | {problem: string} {
  const problem = templateProblem(template, offer, request.diskGb)
  if (problem) return {problem}
  if (request.templateHashId !== null) {
    return {problem: `names ${template.id} and template_hash_id names ${request.templateHashId}; give one (template_hash_id, --template-hash-id, is the raw Vast.ai form)`}
  }
  if (template.provider === 'vastai') return {image: request.image, templateHashId: template.providerTemplateId}
  if (request.image !== null && request.image !== template.image) {
    return {problem: `${template.id} boots the OS image ${template.image} and --image asks for ${request.image}; leave --image out, or name the template of that image (tensordock-${request.image})`}
  }
  return {image: template.image, templateHashId: null}
}
