import {pricePerGpuMicroUsd} from '../../src/cli/output/columns/offers.js'
import type {OfferDto} from '../../src/core/api/inventory.js'
import {gpuTypeMatcher} from '../../src/core/gpu-names.js'

/** The columns the inventory browser sorts by; one key each in the keymap. */
export const OFFER_SORTS = ['gpu', 'count', 'vram', 'price', 'price_per_gpu', 'provider', 'location', 'reliability', 'age'] as const
export type OfferSort = (typeof OFFER_SORTS)[number]

export interface OfferSortOrder {
  by: OfferSort
  descending: boolean
}

/** Cheapest, largest, most reliable and newest first: what a shopper means by "sort by X". */
export function naturalDescending(by: OfferSort): boolean {
  return by === 'count' || by === 'vram' || by === 'reliability' || by === 'age'
}

/** The quick filters; each is off when undefined. */
export interface QuickFilters {
  minVramGb?: number
  /** Dollars per hour for the whole offer, as micro-USD. */
  maxPriceMicroUsd?: number
  minGpuCount?: number
}

export interface OfferQuery {
  /**
   * Free text: ANDed words matched as substrings of GPU model, location and provider, or the
   * whole text as a GPU model by the shared matcher, so "h100-sxm" or "rtx4090" finds what
   * `inventory --gpu-type` finds.
   */
  text: string
  quick: QuickFilters
  sort: OfferSortOrder
}

interface Indexed {
  offer: OfferDto
  haystack: string
  fetchedAtMs: number
  /** Model and VRAM, the facts the GPU matcher decides on. */
  model: string
}

type Comparator = (a: Indexed, b: Indexed) => number

const byNumber =
  (pick: (o: OfferDto) => number | null): Comparator =>
  (a, b) => {
    const x = pick(a.offer)
    const y = pick(b.offer)
    if (x === y) return 0
    // Unknown values sort last in either direction; see `sortedBase`.
    if (x === null) return 1
    if (y === null) return -1
    return x - y
  }

const byText =
  (pick: (o: OfferDto) => string): Comparator =>
  (a, b) => {
    const x = pick(a.offer)
    const y = pick(b.offer)
    return x < y ? -1 : x > y ? 1 : 0
  }

const COMPARATORS: Record<OfferSort, Comparator> = {
  gpu: byText((o) => o.gpu_type),
  count: byNumber((o) => o.gpu_count),
  vram: byNumber((o) => o.vram_gb),
  price: byNumber((o) => o.price_per_hour_micro_usd),
  price_per_gpu: byNumber(pricePerGpuMicroUsd),
  provider: byText((o) => o.provider),
  location: byText((o) => o.location),
  reliability: byNumber((o) => o.reliability),
  age: (a, b) => a.fetchedAtMs - b.fetchedAtMs,
}

/**
 * 100k offers held in the TUI process, answering "filter, sort, show rows i..j" without a round
 * trip: a keystroke in the filter must reach the screen in well under 50 ms. Each sort order is
 * computed once per load and kept; a filter walks the sorted array, and a filter that only
 * narrows the previous one (one more character typed) walks the previous result instead.
 */
export class OfferIndex {
  private readonly items: Indexed[]
  private readonly sorted = new Map<string, Indexed[]>()
  private last: {key: string; text: string; quickKey: string; rows: Indexed[]} | undefined
  /** The distinct models on offer: a GPU filter is decided over these (dozens), not per offer. */
  private readonly models = new Map<string, {gpuType: string; vramGb: number}>()

  constructor(offers: readonly OfferDto[]) {
    this.items = offers.map((offer) => {
      const model = `${offer.gpu_type}\u0000${offer.vram_gb}`
      if (!this.models.has(model)) this.models.set(model, {gpuType: offer.gpu_type, vramGb: offer.vram_gb})
      return {
        offer,
        haystack: `${offer.gpu_type}\u0000${offer.location}\u0000${offer.provider}\u0000${offer.country_code ?? ''}`.toLowerCase(),
        fetchedAtMs: Date.parse(offer.fetched_at),
        model,
      }
    })
  }

  get size(): number {
    return this.items.length
  }

  /** The offers matching `query`, in its order, read lazily: rendering touches only the visible window. */
  view(query: OfferQuery): OfferView {
    const rows = this.matching(query)
    return {length: rows.length, at: (i) => rows[i]?.offer, indexOf: (id) => rows.findIndex((r) => r.offer.id === id)}
  }

  private matching(query: OfferQuery): Indexed[] {
    const sortKey = `${query.sort.by}:${query.sort.descending ? 'd' : 'a'}`
    const quickKey = JSON.stringify(query.quick)
    const text = query.text.trim().toLowerCase()
    const terms = text.split(/\s+/).filter(Boolean)
    const models = terms.length === 0 ? new Set<string>() : this.modelsMatching(text)
    const previous = this.last
    // A model match can add offers the previous, shorter text had no substring for ("rtx409" → "rtx4090").
    const source =
      previous && previous.key === sortKey && previous.quickKey === quickKey && models.size === 0 && narrows(previous.text, text)
        ? previous.rows
        : this.sortedBase(query.sort)
    const quick = quickPredicate(query.quick)
    const rows =
      terms.length === 0 && !quick
        ? source
        : source.filter((item) => (!quick || quick(item.offer)) && (models.has(item.model) || terms.every((t) => item.haystack.includes(t))))
    this.last = {key: sortKey, text, quickKey, rows}
    return rows
  }

  private modelsMatching(text: string): Set<string> {
    const matches = gpuTypeMatcher(text)
    const hits = new Set<string>()
    for (const [model, {gpuType, vramGb}] of this.models) if (matches(gpuType, vramGb)) hits.add(model)
    return hits
  }

  private sortedBase(order: OfferSortOrder): Indexed[] {
    const key = `${order.by}:${order.descending ? 'd' : 'a'}`
    const cached = this.sorted.get(key)
    if (cached) return cached
    const compare = COMPARATORS[order.by]
    // Among equals the cheaper offer comes first (all 4090s have 24 GB: show the cheap ones), then by id for a stable order.
    const byPrice = COMPARATORS.price
    const tieBreak: Comparator = (a, b) => byPrice(a, b) || (a.offer.id < b.offer.id ? -1 : a.offer.id > b.offer.id ? 1 : 0)
    const nullsLast = (i: Indexed) => (order.by === 'reliability' && i.offer.reliability === null ? 1 : 0)
    const rows = [...this.items].sort((a, b) => {
      const missing = nullsLast(a) - nullsLast(b)
      if (missing !== 0) return missing
      const c = compare(a, b)
      return (order.descending ? -c : c) || tieBreak(a, b)
    })
    this.sorted.set(key, rows)
    return rows
  }
}

/** The rows of a query, read one at a time by the table window. */
export interface OfferView {
  length: number
  at(index: number): OfferDto | undefined
  indexOf(offerId: string): number
}

/**
 * True when every offer matching `next` also matches `previous`, so the old result can be
 * narrowed: appending to the text either lengthens the last word (a longer substring) or adds
 * words (one more condition).
 */
function narrows(previous: string, next: string): boolean {
  return next.startsWith(previous)
}

function quickPredicate(quick: QuickFilters): ((o: OfferDto) => boolean) | undefined {
  const {minVramGb, maxPriceMicroUsd, minGpuCount} = quick
  if (minVramGb === undefined && maxPriceMicroUsd === undefined && minGpuCount === undefined) return undefined
  return (o) =>
    (minVramGb === undefined || o.vram_gb >= minVramGb) &&
    (maxPriceMicroUsd === undefined || o.price_per_hour_micro_usd <= maxPriceMicroUsd) &&
    (minGpuCount === undefined || o.gpu_count >= minGpuCount)
}
