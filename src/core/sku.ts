/**
 * SKUs are stable slugs of canonical GPU names: "RTX 4090" → "rtx-4090",
 * "A100 80GB SXM" → "a100-80gb-sxm". The slug never depends on a provider.
 */
export function skuOf(gpuType: string): string {
  return gpuType
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
}

/** Whether `region` (a country code like "US", or a region code like "us-buffalo-1") covers an offer's country. */
export function regionCountry(region: string): string | null {
  const first = region.trim().split(/[-_\s]/)[0] ?? ''
  return /^[A-Za-z]{2}$/.test(first) ? first.toUpperCase() : null
}
