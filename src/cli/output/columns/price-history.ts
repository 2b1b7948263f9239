import type {PricePointDto} from '../../../core/api/inventory.js'
import {formatPrice} from '../format.js'
import type {Column} from './column.js'

/** "2026-01-15 14:05" in local time: points span days, so the date always shows. */
export function pointTime(iso: string): string {
  const at = new Date(iso)
  if (Number.isNaN(at.getTime())) return iso
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`
}

export const PRICE_POINT_COLUMNS: readonly Column<PricePointDto>[] = [
  {id: 'time', header: 'TIME', value: (p) => pointTime(p.at)},
  {id: 'provider', header: 'PROVIDER', value: (p) => p.provider},
  {id: 'min', header: 'MIN $/GPU/H', align: 'right', value: (p) => formatPrice(p.min_price_per_gpu_hour_micro_usd)},
  {id: 'median', header: 'MEDIAN $/GPU/H', align: 'right', value: (p) => formatPrice(p.median_price_per_gpu_hour_micro_usd)},
  {id: 'offers', header: 'OFFERS', align: 'right', value: (p) => String(p.offer_count)},
]
