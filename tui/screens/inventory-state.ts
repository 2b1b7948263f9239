import {naturalDescending, type OfferSort, type OfferSortOrder, type QuickFilters} from '../model/offer-index.js'

/** The inventory browser's query: the filter text, the quick filters and the sort. */
export interface InventoryQuery {
  text: string
  quick: QuickFilters
  sort: OfferSortOrder
}

export const DEFAULT_INVENTORY_QUERY: InventoryQuery = {text: '', quick: {}, sort: {by: 'price', descending: false}}

/** One key per column: the first press sorts in the column's natural direction, the next reverses it. */
export function toggleSort(current: OfferSortOrder, by: OfferSort): OfferSortOrder {
  if (current.by === by) return {by, descending: !current.descending}
  return {by, descending: naturalDescending(by)}
}

const SORT_LABELS: Record<OfferSort, string> = {
  gpu: 'GPU',
  count: 'count',
  vram: 'VRAM',
  price: '$/h',
  price_per_gpu: '$/GPU/h',
  provider: 'provider',
  location: 'location',
  reliability: 'reliability',
  age: 'age',
}

export function sortLabel(sort: OfferSortOrder): string {
  return `${SORT_LABELS[sort.by]} ${sort.descending ? '↓' : '↑'}`
}
