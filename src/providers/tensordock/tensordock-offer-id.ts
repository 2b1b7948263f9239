/**
 * A TensorDock offer is a (location, GPU model, GPU count) triple; TensorDock has no offer
 * ids of its own. Our provider id is `<location uuid>:<v0Name>:<count>`: colons never occur
 * in either part, so it splits unambiguously (cloud-gpu-shopper's `<uuid>-<v0Name>` had to
 * be cut by position because both parts contain dashes). It is parsed back strictly before
 * a create, since its parts go into a request that rents a machine.
 */
export interface TensorDockOfferKey {
  locationId: string
  v0Name: string
  gpuCount: number
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const V0_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const COUNT_PATTERN = /^[1-9]\d{0,2}$/

export function isTensorDockUuid(text: string): boolean {
  return UUID_PATTERN.test(text)
}

export function isV0Name(text: string): boolean {
  return text.length <= 100 && V0_NAME_PATTERN.test(text)
}

export function encodeOfferKey(key: TensorDockOfferKey): string {
  return `${key.locationId}:${key.v0Name}:${key.gpuCount}`
}

/** null unless every part is well formed: a UUID, a lowercase v0Name, a positive integer count. */
export function parseOfferKey(providerId: string): TensorDockOfferKey | null {
  const parts = providerId.split(':')
  if (parts.length !== 3) return null
  const [locationId = '', v0Name = '', count = ''] = parts
  if (!isTensorDockUuid(locationId) || !isV0Name(v0Name) || !COUNT_PATTERN.test(count)) return null
  return {locationId, v0Name, gpuCount: Number(count)}
}
