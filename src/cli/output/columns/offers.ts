import type {OfferDto} from '../../../core/api/inventory.js'
import {describePriceIncludes} from '../../../core/offer-quote.js'
import {formatAge, formatPrice, formatReliability} from '../format.js'
import type {Column} from './column.js'

/** An offer's price per GPU-hour in micro-USD, as the store sorts it (`price_per_gpu`). */
export function pricePerGpuMicroUsd(o: Pick<OfferDto, 'price_per_hour_micro_usd' | 'gpu_count'>): number {
  return Math.round(o.price_per_hour_micro_usd / Math.max(1, o.gpu_count))
}

export const OFFER_COLUMNS: readonly Column<OfferDto>[] = [
  {id: 'id', header: 'ID', value: (o) => o.id},
  {id: 'gpu', header: 'GPU', value: (o) => (o.gpu_count > 1 ? `${o.gpu_count}x ${o.gpu_type}` : o.gpu_type)},
  {id: 'vram', header: 'VRAM', align: 'right', value: (o) => `${o.vram_gb} GB`},
  {id: 'price', header: '$/H', align: 'right', value: (o) => formatPrice(o.price_per_hour_micro_usd)},
  {
    id: 'price_per_gpu',
    header: '$/GPU/H',
    align: 'right',
    value: (o) => formatPrice(pricePerGpuMicroUsd(o)),
  },
  {id: 'provider', header: 'PROVIDER', value: (o) => o.provider},
  {id: 'location', header: 'LOCATION', value: (o) => o.location || '-'},
  {id: 'reliability', header: 'RELIABILITY', align: 'right', value: (o) => formatReliability(o.reliability)},
  {id: 'cuda', header: 'CUDA', align: 'right', value: (o) => (o.cuda_version === null ? '-' : String(o.cuda_version))},
  {id: 'age', header: 'SEEN', align: 'right', value: (o, ctx) => formatAge(o.fetched_at, ctx.now)},
  // Last, so scripts reading the earlier columns by position keep working.
  {id: 'confidence', header: 'UP%', align: 'right', value: (o) => formatConfidence(o)},
]

const byId = (id: string): Column<OfferDto> => {
  const column = OFFER_COLUMNS.find((c) => c.id === id)
  if (!column) throw new Error(`no offer column ${id}`)
  return column
}

/**
 * The TUI inventory browser's columns: model and count apart (each sorts on its own), then the
 * CLI's own price, provider, location, reliability and age columns.
 */
export const OFFER_BROWSER_COLUMNS: readonly Column<OfferDto>[] = [
  {id: 'gpu_model', header: 'GPU', value: (o) => o.gpu_type},
  {id: 'gpu_count', header: 'N', align: 'right', value: (o) => String(o.gpu_count)},
  ...['vram', 'price', 'price_per_gpu', 'provider', 'location', 'reliability', 'confidence', 'age'].map(byId),
]

/** Availability confidence as a percentage; a machine skipped after repeated failures says so. */
export function formatConfidence(o: Pick<OfferDto, 'availability_confidence' | 'cooling_down_until'>): string {
  return o.cooling_down_until === null ? `${Math.round(o.availability_confidence * 100)}%` : 'cooling'
}

/** Says what the $/h column pays for besides the GPUs, per provider: a session with another disk size pays for that disk. */
export function pricesIncludeNote(offers: readonly OfferDto[]): string {
  const byProvider = new Map<string, string>()
  for (const o of offers) if (!byProvider.has(o.provider)) byProvider.set(o.provider, describePriceIncludes(o.price_includes))
  const parts = [...byProvider].map(([provider, includes]) => `${provider} ${includes}`)
  return `Prices are per hour for a default session: ${parts.join('; ')} (--disk-gb reprices the disk).`
}
