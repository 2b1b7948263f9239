import type {CatalogItem} from '../../../core/api/catalog.js'
import {formatPrice} from '../format.js'
import type {Column} from './column.js'

/** More than this many regions or providers would widen the table past a terminal. */
const MAX_LISTED = 4

/** "US,DE,FR,NL +3": the first few, then how many more. */
export function listCell(values: readonly string[], max = MAX_LISTED): string {
  if (values.length === 0) return '-'
  const shown = values.slice(0, max).join(',')
  return values.length > max ? `${shown} +${values.length - max}` : shown
}

export const CATALOG_COLUMNS: readonly Column<CatalogItem>[] = [
  {id: 'sku', header: 'SKU', value: (i) => i.sku},
  {id: 'gpu', header: 'GPU', value: (i) => i.gpu_type},
  {id: 'vram', header: 'VRAM', align: 'right', value: (i) => `${i.vram_gb} GB`},
  {id: 'gpus', header: 'GPUS', align: 'right', value: (i) => String(i.gpus_total)},
  {id: 'from', header: 'FROM $/H', align: 'right', value: (i) => formatPrice(i.min_price_per_hour_micro_usd)},
  {id: 'offers', header: 'OFFERS', align: 'right', value: (i) => String(i.offers)},
  {id: 'regions', header: 'REGIONS', value: (i) => listCell(i.regions)},
  {id: 'providers', header: 'PROVIDERS', value: (i) => listCell(i.providers)},
]
