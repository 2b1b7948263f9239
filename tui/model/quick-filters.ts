import {formatPrice, plural} from '../../src/cli/output/format.js'
import {MAX_GPU_COUNT, MAX_PRICE_USD_PER_HOUR, MAX_VRAM_GB} from '../../src/core/limits.js'
import {toMicroUsd} from '../../src/core/money.js'
import type {QuickFilters} from './offer-index.js'

export type QuickFilterId = 'vram' | 'price' | 'gpus'

export const QUICK_FILTER_PROMPTS: Record<QuickFilterId, {label: string; accept: RegExp}> = {
  vram: {label: 'Minimum VRAM in GB (empty: any)', accept: /[0-9]/},
  price: {label: 'Maximum $/h for the whole offer (empty: any)', accept: /[0-9.]/},
  gpus: {label: 'Minimum GPU count (empty: any)', accept: /[0-9]/},
}

/** Applies a typed quick-filter value; a value that is not a sensible number is an error to show. */
export function applyQuickFilter(quick: QuickFilters, id: QuickFilterId, text: string): {quick: QuickFilters} | {error: string} {
  const value = text.trim()
  const next = {...quick}
  const field = id === 'vram' ? 'minVramGb' : id === 'price' ? 'maxPriceMicroUsd' : 'minGpuCount'
  if (value === '') {
    delete next[field]
    return {quick: next}
  }
  const n = Number(value)
  if (!Number.isFinite(n) || n < 0) return {error: `"${value}" is not a number`}
  if (id === 'vram') {
    if (n > MAX_VRAM_GB) return {error: `VRAM is at most ${MAX_VRAM_GB} GB`}
    next.minVramGb = n
  } else if (id === 'price') {
    if (n > MAX_PRICE_USD_PER_HOUR) return {error: `a price is at most $${MAX_PRICE_USD_PER_HOUR}/h`}
    next.maxPriceMicroUsd = Number(toMicroUsd(n))
  } else {
    if (!Number.isInteger(n) || n < 1 || n > MAX_GPU_COUNT) return {error: `the GPU count is a whole number from 1 to ${MAX_GPU_COUNT}`}
    next.minGpuCount = n
  }
  return {quick: next}
}

/** "VRAM ≥ 40 GB · ≤ $2.00/h · ≥ 2 GPUs" for the title line; empty when none is set. */
export function describeQuickFilters(quick: QuickFilters): string {
  const parts: string[] = []
  if (quick.minVramGb !== undefined) parts.push(`VRAM ≥ ${quick.minVramGb} GB`)
  if (quick.maxPriceMicroUsd !== undefined) parts.push(`≤ ${formatPrice(quick.maxPriceMicroUsd)}/h`)
  if (quick.minGpuCount !== undefined) parts.push(`≥ ${plural(quick.minGpuCount, 'GPU')}`)
  return parts.join(' · ')
}
