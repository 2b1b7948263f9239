import type {OfferDto} from '../../src/core/api/inventory.js'
import {gpuTypeMatcher} from '../../src/core/gpu-names.js'
import {codesFor, type Codes, type DictColumn, type NumberColumn, OfferTable} from './offer-table.js'

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

/** The rows of a query, read one at a time by the table window. */
export interface OfferView {
  length: number
  at(index: number): OfferDto | undefined
  indexOf(offerId: string): number
}

type RowTest = (row: number) => boolean

/**
 * 100k offers held in the TUI process, answering "filter, sort, show rows i..j" without a round
 * trip: a keystroke in the filter must reach the screen within a frame.
 *
 * A filter never looks at an offer's strings. The text a word is matched against (GPU model,
 * location, provider, country) takes a few thousand distinct values over the whole market, as
 * does the model the GPU matcher decides on (name and VRAM): a query is decided once per
 * distinct value, and each offer is then one lookup of its code. Each sort order is a
 * permutation of row numbers computed once per load and kept; a filter walks it, and a filter
 * that only narrows the previous one (one more character typed) walks the previous result.
 */
export class OfferIndex {
  private readonly table: OfferTable
  /** Per row, its model: GPU name and VRAM. */
  private readonly modelOf: Codes
  private readonly models: {gpuType: string; vramGb: number}[] = []
  /** Per row, its searchable text: GPU name, location, provider and country, lowercased. */
  private readonly textOf: Codes
  private readonly texts: string[] = []
  private readonly sorted = new Map<string, Uint32Array>()
  private last: {key: string; text: string; quickKey: string; rows: Uint32Array} | undefined

  constructor(source: OfferTable | readonly OfferDto[]) {
    const table = source instanceof OfferTable ? source : OfferTable.from(source)
    this.table = table
    const vram = codesOfNumbers(table.vramGb)
    const model = pairUp(table.gpuType.codes, vram.codes, vram.count, table.size)
    this.modelOf = model.codes
    for (const row of model.firstRows) this.models.push({gpuType: table.gpuType.at(row), vramGb: table.vramGb.at(row)})
    const gpuAndLocation = pairUp(table.gpuType.codes, table.location.codes, table.location.values.length, table.size)
    const withProvider = pairUp(gpuAndLocation.codes, table.provider.codes, table.provider.values.length, table.size)
    const text = pairUp(withProvider.codes, table.countryCode.codes, table.countryCode.values.length, table.size)
    this.textOf = text.codes
    for (const row of text.firstRows) {
      this.texts.push(`${table.gpuType.at(row)}\u0000${table.location.at(row)}\u0000${table.provider.at(row)}\u0000${table.countryCode.at(row) ?? ''}`.toLowerCase())
    }
    // Every order starts from the price order: sorted here, where a load builds the index, not
    // in the first frame that shows it.
    this.priceOrder()
  }

  get size(): number {
    return this.table.size
  }

  /** The offers matching `query`, in its order, read lazily: rendering touches only the visible window. */
  view(query: OfferQuery): OfferView {
    const rows = this.matching(query)
    const table = this.table
    return {
      length: rows.length,
      at: (i) => (i >= 0 && i < rows.length ? table.offerAt(rows[i]!) : undefined),
      indexOf: (offerId) => {
        const row = table.rowOf(offerId)
        return row === -1 ? -1 : rows.indexOf(row)
      },
    }
  }

  private matching(query: OfferQuery): Uint32Array {
    const sortKey = `${query.sort.by}:${query.sort.descending ? 'd' : 'a'}`
    const quickKey = JSON.stringify(query.quick)
    const text = query.text.trim().toLowerCase()
    const terms = text.split(/\s+/).filter(Boolean)
    const models = terms.length === 0 ? null : this.modelsMatching(text)
    const previous = this.last
    // A model match can add offers the previous, shorter text had no substring for ("rtx409" → "rtx4090").
    const source =
      previous && previous.key === sortKey && previous.quickKey === quickKey && models === null && narrows(previous.text, text)
        ? previous.rows
        : this.sortedBase(query.sort)
    const quick = this.quickTest(query.quick)
    const rows = terms.length === 0 && quick === null ? source : this.filter(source, terms.length === 0 ? null : this.textsMatching(terms), models, quick)
    this.last = {key: sortKey, text, quickKey, rows}
    return rows
  }

  private filter(source: Uint32Array, texts: Uint8Array | null, models: Uint8Array | null, quick: RowTest | null): Uint32Array {
    const {modelOf, textOf} = this
    const out = new Uint32Array(source.length)
    let n = 0
    for (let i = 0; i < source.length; i++) {
      const row = source[i]!
      if (texts !== null && texts[textOf[row]!] === 0 && (models === null || models[modelOf[row]!] === 0)) continue
      if (quick !== null && !quick(row)) continue
      out[n++] = row
    }
    // A copy the size of the result: a narrow filter must not keep a market-sized buffer alive.
    return out.slice(0, n)
  }

  /** Models the whole text names as a GPU ("rtx4090", "h100-sxm"), one flag per model; null when none. */
  private modelsMatching(text: string): Uint8Array | null {
    const matches = gpuTypeMatcher(text)
    const hits = new Uint8Array(this.models.length)
    let any = false
    this.models.forEach(({gpuType, vramGb}, code) => {
      if (!matches(gpuType, vramGb)) return
      hits[code] = 1
      any = true
    })
    return any ? hits : null
  }

  /** Texts holding every word, one flag per distinct text. */
  private textsMatching(terms: readonly string[]): Uint8Array {
    const hits = new Uint8Array(this.texts.length)
    this.texts.forEach((haystack, code) => {
      if (terms.every((term) => haystack.includes(term))) hits[code] = 1
    })
    return hits
  }

  /** The quick filters as one test of a row; null when none is set. */
  private quickTest(quick: QuickFilters): RowTest | null {
    const {minVramGb, maxPriceMicroUsd, minGpuCount} = quick
    const tests: RowTest[] = []
    if (minVramGb !== undefined) {
      // VRAM is part of the model: decided per model, not per offer.
      const modelOf = this.modelOf
      const enough = Uint8Array.from(this.models, (m) => (m.vramGb >= minVramGb ? 1 : 0))
      tests.push((row) => enough[modelOf[row]!] === 1)
    }
    if (maxPriceMicroUsd !== undefined) tests.push(this.table.priceMicroUsd.where((price) => price <= maxPriceMicroUsd))
    if (minGpuCount !== undefined) tests.push(this.table.gpuCount.where((count) => count >= minGpuCount))
    if (tests.length === 0) return null
    return tests.reduce((a, b) => (row) => a(row) && b(row))
  }

  private sortedBase(order: OfferSortOrder): Uint32Array {
    const key = `${order.by}:${order.descending ? 'd' : 'a'}`
    const cached = this.sorted.get(key)
    if (cached) return cached
    const rows = this.sortBy(order)
    this.sorted.set(key, rows)
    return rows
  }

  /**
   * Among equals the cheaper offer comes first (all 4090s have 24 GB: show the cheap ones),
   * then the smaller id, in either direction: every order is the price order, stably re-sorted
   * by its own column. Unknown values (no reliability) go last in either direction.
   */
  private sortBy({by, descending}: OfferSortOrder): Uint32Array {
    const t = this.table
    switch (by) {
      case 'price':
        return descending ? sortRowsByNumber(this.priceOrder(), t.priceMicroUsd.toFloat64(), true) : this.priceOrder()
      case 'gpu':
        return this.byText(t.gpuType, descending)
      case 'provider':
        return this.byText(t.provider, descending)
      case 'location':
        return this.byText(t.location, descending)
      case 'age': {
        const at = t.fetchedAt.values.map((iso) => Date.parse(iso))
        return sortRowsByNumber(this.priceOrder(), Float64Array.from(t.fetchedAt.codes, (code) => at[code]!), descending)
      }
      case 'count':
        return sortRowsByNumber(this.priceOrder(), t.gpuCount.toFloat64(), descending)
      case 'vram':
        return sortRowsByNumber(this.priceOrder(), t.vramGb.toFloat64(), descending)
      case 'reliability':
        return sortRowsByNumber(this.priceOrder(), t.reliability.toFloat64(), descending)
      case 'price_per_gpu': {
        const perGpu = new Float64Array(t.size)
        for (let row = 0; row < perGpu.length; row++) perGpu[row] = Math.round(t.priceMicroUsd.at(row) / Math.max(1, t.gpuCount.at(row)))
        return sortRowsByNumber(this.priceOrder(), perGpu, descending)
      }
    }
  }

  /** Cheapest first, then by id: the order the others break their ties by. */
  private priceOrder(): Uint32Array {
    const cached = this.sorted.get('price:a')
    if (cached) return cached
    const ids = this.table.ids
    const price = this.table.priceMicroUsd.toFloat64()
    const rows = sortRowsByNumber(identity(this.table.size), price, false)
    // Equal prices are a few percent of a market: each run of them is put in id order on its own.
    for (let start = 0; start < rows.length; ) {
      let end = start + 1
      while (end < rows.length && price[rows[end]!] === price[rows[start]!]) end++
      if (end - start > 1) rows.subarray(start, end).sort((a, b) => ids.compare(a, b))
      start = end
    }
    this.sorted.set('price:a', rows)
    return rows
  }

  /**
   * A counting sort over a text column's few distinct values (GPU models, providers,
   * locations): the values are ordered, then the rows are dealt into them in price order, which
   * keeps price order among equals without comparing 100k rows.
   */
  private byText(column: DictColumn<string>, descending: boolean): Uint32Array {
    const {values, codes} = column
    const ordered = [...values.keys()].sort((a, b) => compareText(values[a]!, values[b]!))
    if (descending) ordered.reverse()
    const bucketOf = new Uint32Array(values.length)
    ordered.forEach((code, i) => (bucketOf[code] = i))
    const starts = new Uint32Array(values.length + 1)
    for (let row = 0; row < codes.length; row++) starts[bucketOf[codes[row]!]! + 1]!++
    for (let b = 1; b < starts.length; b++) starts[b]! += starts[b - 1]!
    const out = new Uint32Array(codes.length)
    for (const row of this.priceOrder()) out[starts[bucketOf[codes[row]!]!]!++] = row
    return out
  }
}

/**
 * `order` stably re-sorted by one number per row (NaN, an unknown value, last in either
 * direction): a least-significant-digit radix sort on the number's bits, 16 bits a pass, so
 * 100k rows take a few linear passes instead of 1.7M comparator calls, and equal keys keep
 * their places in `order`.
 */
export function sortRowsByNumber(order: Uint32Array, key: Float64Array, descending: boolean): Uint32Array {
  const n = order.length
  const rows = new Uint32Array(n)
  const high = new Uint32Array(n)
  const low = new Uint32Array(n)
  const unknown: number[] = []
  const float = new Float64Array(1)
  const words = new Uint32Array(float.buffer)
  // Which word of a float64 holds the sign and exponent depends on the platform's byte order.
  const hi = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0
  let m = 0
  for (let i = 0; i < n; i++) {
    const row = order[i]!
    const value = key[row]!
    if (Number.isNaN(value)) {
      unknown.push(row)
      continue
    }
    // + 0 turns -0 into 0: equal numbers must have equal bits.
    float[0] = (descending ? -value : value) + 0
    // IEEE 754 bits ordered as unsigned integers: negatives flipped whole, positives with the sign set.
    const h = words[hi]!
    const negative = h >>> 31 === 1
    high[m] = negative ? ~h >>> 0 : (h | 0x8000_0000) >>> 0
    low[m] = negative ? ~words[1 - hi]! >>> 0 : words[1 - hi]!
    rows[m++] = row
  }
  let from: Uint32Array = identity(m)
  let to: Uint32Array = new Uint32Array(m)
  const counts = new Uint32Array(0x1_0001)
  for (const [digits, shift] of [
    [low, 0],
    [low, 16],
    [high, 0],
    [high, 16],
  ] as const) {
    counts.fill(0)
    for (let i = 0; i < m; i++) counts[((digits[from[i]!]! >>> shift) & 0xffff) + 1]!++
    // A pass where every key has the same digit would move nothing.
    if (m === 0 || counts[((digits[from[0]!]! >>> shift) & 0xffff) + 1] === m) continue
    for (let d = 1; d < counts.length; d++) counts[d]! += counts[d - 1]!
    for (let i = 0; i < m; i++) {
      const at = from[i]!
      to[counts[(digits[at]! >>> shift) & 0xffff]!++] = at
    }
    ;[from, to] = [to, from]
  }
  const out = new Uint32Array(n)
  for (let i = 0; i < m; i++) out[i] = rows[from[i]!]!
  for (let i = 0; i < unknown.length; i++) out[m + i] = unknown[i]!
  return out
}

function compareText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0
}

function identity(length: number): Uint32Array {
  const rows = new Uint32Array(length)
  for (let i = 0; i < length; i++) rows[i] = i
  return rows
}

/** A code per distinct number of the column (its own dictionary when it has one). */
function codesOfNumbers(column: NumberColumn): {codes: Codes; count: number} {
  if (column.dictionary) return {codes: column.dictionary.codes, count: column.dictionary.values.length}
  const values = column.toFloat64()
  const seen = new Map<number, number>()
  const codes = new Uint32Array(values.length)
  for (let row = 0; row < values.length; row++) {
    let code = seen.get(values[row]!)
    if (code === undefined) seen.set(values[row]!, (code = seen.size))
    codes[row] = code
  }
  return {codes, count: seen.size}
}

/** One code per distinct pair (a, b) of two code columns, numbered as first seen, with the first row of each. */
function pairUp(a: Codes, b: Codes, bCount: number, length: number): {codes: Codes; firstRows: number[]} {
  const seen = new Map<number, number>()
  const firstRows: number[] = []
  const paired = new Uint32Array(length)
  for (let row = 0; row < length; row++) {
    // Both codes are below the row count, so the key stays well inside a double's exact integers.
    const key = a[row]! * bCount + b[row]!
    let code = seen.get(key)
    if (code === undefined) {
      code = firstRows.length
      seen.set(key, code)
      firstRows.push(row)
    }
    paired[row] = code
  }
  const codes = codesFor(firstRows.length, length)
  codes.set(paired)
  return {codes, firstRows}
}

/**
 * True when every offer matching `next` also matches `previous`, so the old result can be
 * narrowed: appending to the text either lengthens the last word (a longer substring) or adds
 * words (one more condition).
 */
function narrows(previous: string, next: string): boolean {
  return next.startsWith(previous)
}
