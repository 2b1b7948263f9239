import type {OfferDto} from '../../src/core/api/inventory.js'

/**
 * The market held column by column instead of as 100k decoded JSON objects (each ~600 bytes
 * with its strings, numbers and two nested objects): a few dozen GPU models, hundreds of
 * locations and a handful of VRAM sizes repeat across every offer, so those are stored once and
 * referred to by a one- or two-byte code; prices and the like stay plain float64s; ids are one
 * joined string. An offer object is built only for a row on screen.
 */

export type Codes = Uint8Array | Uint16Array | Uint32Array

/**
 * Distinct values past which a number column stays raw. Counting distinct values costs a Map
 * insert per value until the count passes this, so it is kept low: a price column gives up
 * after a few thousand rows, and what a dictionary would save on the mostly distinct columns
 * (disk sizes, bandwidths) is a few hundred KB.
 */
const MAX_DICTIONARY = 4096
/** Offers built back into objects and kept, so a row on screen keeps its identity from one frame to the next (React skips it). */
const OFFER_CACHE_SIZE = 512

export function codesFor(distinct: number, length: number): Codes {
  return distinct <= 0x100 ? new Uint8Array(length) : distinct <= 0x10000 ? new Uint16Array(length) : new Uint32Array(length)
}

/** One field as a code per row into its distinct values. */
export class DictColumn<T> {
  constructor(
    readonly values: readonly T[],
    readonly codes: Codes,
  ) {}

  at(row: number): T {
    return this.values[this.codes[row]!]!
  }
}

/** The int32 that marks an unknown value in a decimal column: no scaled value is allowed to take it. */
const DECIMAL_UNKNOWN = -0x8000_0000
const MAX_DECIMALS = 9

/**
 * A numeric field, in the smallest of three forms that gives every value back exactly: codes
 * into the few distinct values (GPU counts, VRAM sizes); short decimals (prices, reliabilities,
 * disk sizes) as int32 counts of 10^-k, half the size of float64s; else the float64s themselves.
 * Null is NaN (JSON has no NaN of its own).
 */
export class NumberColumn {
  private constructor(
    private readonly raw: Float64Array | null,
    private readonly decimal: {units: Int32Array; scale: number} | null,
    readonly dictionary: DictColumn<number> | null,
  ) {}

  static from(values: Float64Array, maxDictionary = MAX_DICTIONARY): NumberColumn {
    const dictionary = dictionaryOf(values, maxDictionary)
    if (dictionary) return new NumberColumn(null, null, dictionary)
    const scale = decimalScale(values)
    if (scale === null) return new NumberColumn(values, null, null)
    const units = new Int32Array(values.length)
    for (let row = 0; row < values.length; row++) units[row] = Number.isNaN(values[row]!) ? DECIMAL_UNKNOWN : Math.round(values[row]! * scale)
    return new NumberColumn(null, {units, scale}, null)
  }

  get form(): 'dictionary' | 'decimal' | 'raw' {
    return this.dictionary ? 'dictionary' : this.decimal ? 'decimal' : 'raw'
  }

  at(row: number): number {
    if (this.dictionary) return this.dictionary.at(row)
    if (this.decimal) {
      const units = this.decimal.units[row]!
      return units === DECIMAL_UNKNOWN ? NaN : units / this.decimal.scale
    }
    return this.raw![row]!
  }

  /** A test of a row's value, decided once per distinct value when the column has a dictionary. */
  where(test: (value: number) => boolean): (row: number) => boolean {
    if (!this.dictionary) return (row) => test(this.at(row))
    const {values, codes} = this.dictionary
    const passes = Uint8Array.from(values, (value) => (test(value) ? 1 : 0))
    return (row) => passes[codes[row]!] === 1
  }

  /** Every row's value, for a sort key. */
  toFloat64(): Float64Array {
    if (this.raw) return this.raw
    const out = new Float64Array(this.dictionary ? this.dictionary.codes.length : this.decimal!.units.length)
    for (let row = 0; row < out.length; row++) out[row] = this.at(row)
    return out
  }
}

/** Codes into the distinct values, or null past `maxDictionary` of them. */
function dictionaryOf(values: Float64Array, maxDictionary: number): DictColumn<number> | null {
  const seen = new Map<number | string, number>()
  const distinct: number[] = []
  for (let row = 0; row < values.length; row++) {
    const value = values[row]!
    const key = dictionaryKey(value)
    if (seen.has(key)) continue
    if (distinct.length === maxDictionary) return null
    seen.set(key, distinct.length)
    distinct.push(value)
  }
  const codes = codesFor(distinct.length, values.length)
  for (let row = 0; row < values.length; row++) codes[row] = seen.get(dictionaryKey(values[row]!))!
  return new DictColumn(distinct, codes)
}

/**
 * 10^k for the fewest decimals k at which every value is a whole int32 count of 10^-k that
 * divides back to exactly the same double (as JSON's "0.03374" does); null when no k up to 9 does.
 */
function decimalScale(values: Float64Array): number | null {
  for (let k = 0, scale = 1; k <= MAX_DECIMALS; k++, scale *= 10) {
    if (values.every((value) => Number.isNaN(value) || isDecimal(value, scale))) return scale
  }
  return null
}

function isDecimal(value: number, scale: number): boolean {
  const units = Math.round(value * scale)
  return units > DECIMAL_UNKNOWN && units <= 0x7fff_ffff && units / scale === value && !Object.is(value, -0)
}

/** A Map key per number that tells -0 from 0 (a Map alone takes them for one), so values come back as they went in. */
function dictionaryKey(value: number): number | string {
  return value === 0 && 1 / value < 0 ? '-0' : value
}

/** Strings that are all different (offer ids): one joined string and where each starts. */
export class StringColumn {
  private readonly joined: string
  private readonly starts: Uint32Array

  constructor(values: readonly string[]) {
    this.joined = values.join('')
    this.starts = new Uint32Array(values.length + 1)
    for (let i = 0, at = 0; i < values.length; i++) {
      at += values[i]!.length
      this.starts[i + 1] = at
    }
  }

  get length(): number {
    return this.starts.length - 1
  }

  at(row: number): string {
    return this.joined.slice(this.starts[row], this.starts[row + 1])
  }

  /** The row holding exactly `value`, or -1: a substring search over the joined text, checked against the row edges. */
  indexOf(value: string): number {
    if (value === '') return this.indexOfEmpty()
    for (let at = this.joined.indexOf(value); at !== -1; at = this.joined.indexOf(value, at + 1)) {
      const row = this.rowStartingAt(at)
      if (row !== -1 && this.starts[row + 1]! - at === value.length) return row
    }
    return -1
  }

  /** Orders rows `a` and `b` as `<` orders their strings, without cutting either out. */
  compare(a: number, b: number): number {
    const {joined, starts} = this
    const aEnd = starts[a + 1]!
    const bEnd = starts[b + 1]!
    for (let i = starts[a]!, j = starts[b]!; i < aEnd && j < bEnd; i++, j++) {
      const d = joined.charCodeAt(i) - joined.charCodeAt(j)
      if (d !== 0) return d
    }
    return aEnd - starts[a]! - (bEnd - starts[b]!)
  }

  private rowStartingAt(at: number): number {
    let lo = 0
    let hi = this.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const start = this.starts[mid]!
      if (start === at) {
        // Empty strings share their start with the next row: the row that owns the text is the last of them.
        let row = mid
        while (row + 1 < this.length && this.starts[row + 1] === at) row++
        return row
      }
      if (start < at) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  private indexOfEmpty(): number {
    for (let row = 0; row < this.length; row++) if (this.starts[row] === this.starts[row + 1]) return row
    return -1
  }
}

type PriceIncludes = OfferDto['price_includes']
type DiskRatePer = NonNullable<OfferDto['disk_rate']>['per']

/** Every offer of a load, column by column; read by row number (0..size-1). */
export class OfferTable {
  private readonly cache = new Map<number, OfferDto>()

  constructor(
    readonly ids: StringColumn,
    /** Null when every provider id is the offer id after "<provider>-", as both marketplaces' are. */
    readonly providerIds: StringColumn | null,
    readonly provider: DictColumn<string>,
    readonly gpuType: DictColumn<string>,
    readonly gpuCount: NumberColumn,
    readonly vramGb: NumberColumn,
    readonly pricePerHour: NumberColumn,
    readonly priceMicroUsd: NumberColumn,
    readonly pricePerGpuHour: NumberColumn,
    readonly location: DictColumn<string>,
    readonly countryCode: DictColumn<string | null>,
    readonly reliability: NumberColumn,
    readonly available: DictColumn<boolean>,
    readonly fetchedAt: DictColumn<string>,
    readonly cudaVersion: NumberColumn,
    readonly diskGb: NumberColumn,
    readonly cpuCores: NumberColumn,
    readonly ramGb: NumberColumn,
    readonly inetDownMbps: NumberColumn,
    readonly priceIncludes: DictColumn<PriceIncludes>,
    readonly diskRatePer: DictColumn<DiskRatePer | null>,
    readonly diskRateUsdPerGb: NumberColumn,
    readonly diskRateMinimumGb: NumberColumn,
  ) {}

  static from(offers: readonly OfferDto[]): OfferTable {
    const builder = new OfferTableBuilder(offers.length)
    builder.add(offers)
    return builder.build()
  }

  get size(): number {
    return this.ids.length
  }

  /** The row of an offer id, or -1. */
  rowOf(offerId: string): number {
    return this.ids.indexOf(offerId)
  }

  /** The offer of a row, as the API sent it. */
  offerAt(row: number): OfferDto {
    const cached = this.cache.get(row)
    if (cached) return cached
    const rate = this.diskRatePer.at(row)
    const offer: OfferDto = {
      id: this.ids.at(row),
      provider: this.provider.at(row),
      provider_id: this.providerIds ? this.providerIds.at(row) : this.ids.at(row).slice(this.provider.at(row).length + 1),
      gpu_type: this.gpuType.at(row),
      gpu_count: this.gpuCount.at(row),
      vram_gb: this.vramGb.at(row),
      price_per_hour: this.pricePerHour.at(row),
      price_per_hour_micro_usd: this.priceMicroUsd.at(row),
      price_per_gpu_hour: this.pricePerGpuHour.at(row),
      location: this.location.at(row),
      country_code: this.countryCode.at(row),
      reliability: nullable(this.reliability.at(row)),
      available: this.available.at(row),
      fetched_at: this.fetchedAt.at(row),
      cuda_version: nullable(this.cudaVersion.at(row)),
      disk_gb: nullable(this.diskGb.at(row)),
      cpu_cores: nullable(this.cpuCores.at(row)),
      ram_gb: nullable(this.ramGb.at(row)),
      inet_down_mbps: nullable(this.inetDownMbps.at(row)),
      // A copy: the dictionary's object is shared by every offer with the same terms.
      price_includes: {...this.priceIncludes.at(row)},
      disk_rate: rate === null ? null : {usd_per_gb: this.diskRateUsdPerGb.at(row), per: rate, minimum_gb: this.diskRateMinimumGb.at(row)},
    }
    if (this.cache.size >= OFFER_CACHE_SIZE) this.cache.clear()
    this.cache.set(row, offer)
    return offer
  }
}

function nullable(value: number): number | null {
  return Number.isNaN(value) ? null : value
}

function orNaN(value: number | null): number {
  return value ?? NaN
}

/** Codes for one dictionary field while offers arrive. */
class DictBuilder<T> {
  private readonly seen = new Map<unknown, number>()
  private readonly values: T[] = []
  codes: Uint32Array

  constructor(
    capacity: number,
    private readonly keyOf: (value: T) => unknown = (value) => value,
  ) {
    this.codes = new Uint32Array(capacity)
  }

  set(row: number, value: T): void {
    const key = this.keyOf(value)
    let code = this.seen.get(key)
    if (code === undefined) {
      code = this.values.length
      this.seen.set(key, code)
      this.values.push(value)
    }
    this.codes[row] = code
  }

  grow(capacity: number): void {
    const codes = new Uint32Array(capacity)
    codes.set(this.codes)
    this.codes = codes
  }

  build(length: number): DictColumn<T> {
    const codes = codesFor(this.values.length, length)
    for (let row = 0; row < length; row++) codes[row] = this.codes[row]!
    return new DictColumn(this.values, codes)
  }
}

class NumberBuilder {
  values: Float64Array

  constructor(capacity: number) {
    this.values = new Float64Array(capacity)
  }

  set(row: number, value: number): void {
    this.values[row] = value
  }

  grow(capacity: number): void {
    const values = new Float64Array(capacity)
    values.set(this.values)
    this.values = values
  }

  build(length: number, maxDictionary: number): NumberColumn {
    return NumberColumn.from(length === this.values.length ? this.values : this.values.slice(0, length), maxDictionary)
  }
}

/**
 * Folds pages of offers into columns as they arrive, so a load never holds the whole market as
 * JSON objects. An id seen again (a refresh between pages moved an offer across a page edge)
 * keeps its first row and takes the later values.
 */
export class OfferTableBuilder {
  private capacity: number
  private length = 0
  private readonly rows = new Map<string, number>()
  private readonly ids: string[] = []
  private readonly providerIds: string[] = []
  private readonly provider: DictBuilder<string>
  private readonly gpuType: DictBuilder<string>
  private readonly gpuCount: NumberBuilder
  private readonly vramGb: NumberBuilder
  private readonly pricePerHour: NumberBuilder
  private readonly priceMicroUsd: NumberBuilder
  private readonly pricePerGpuHour: NumberBuilder
  private readonly location: DictBuilder<string>
  private readonly countryCode: DictBuilder<string | null>
  private readonly reliability: NumberBuilder
  private readonly available: DictBuilder<boolean>
  private readonly fetchedAt: DictBuilder<string>
  private readonly cudaVersion: NumberBuilder
  private readonly diskGb: NumberBuilder
  private readonly cpuCores: NumberBuilder
  private readonly ramGb: NumberBuilder
  private readonly inetDownMbps: NumberBuilder
  private readonly priceIncludes: DictBuilder<PriceIncludes>
  private readonly diskRatePer: DictBuilder<DiskRatePer | null>
  private readonly diskRateUsdPerGb: NumberBuilder
  private readonly diskRateMinimumGb: NumberBuilder

  /**
   * `expected`: how many offers the server said it has, so the columns are allocated once.
   * `maxDictionary`: distinct values past which a number column is kept raw (tests lower it to
   * read both forms).
   */
  constructor(
    expected: number,
    private readonly maxDictionary = MAX_DICTIONARY,
  ) {
    const capacity = Math.max(16, expected)
    this.capacity = capacity
    this.provider = new DictBuilder(capacity)
    this.gpuType = new DictBuilder(capacity)
    this.gpuCount = new NumberBuilder(capacity)
    this.vramGb = new NumberBuilder(capacity)
    this.pricePerHour = new NumberBuilder(capacity)
    this.priceMicroUsd = new NumberBuilder(capacity)
    this.pricePerGpuHour = new NumberBuilder(capacity)
    this.location = new DictBuilder(capacity)
    this.countryCode = new DictBuilder(capacity)
    this.reliability = new NumberBuilder(capacity)
    this.available = new DictBuilder(capacity)
    this.fetchedAt = new DictBuilder(capacity)
    this.cudaVersion = new NumberBuilder(capacity)
    this.diskGb = new NumberBuilder(capacity)
    this.cpuCores = new NumberBuilder(capacity)
    this.ramGb = new NumberBuilder(capacity)
    this.inetDownMbps = new NumberBuilder(capacity)
    this.priceIncludes = new DictBuilder(capacity, (value) => `${value.disk_gb}\u0000${value.vcpus}\u0000${value.ram_gb}`)
    this.diskRatePer = new DictBuilder(capacity)
    this.diskRateUsdPerGb = new NumberBuilder(capacity)
    this.diskRateMinimumGb = new NumberBuilder(capacity)
  }

  /** Offers held so far (each id once). */
  get size(): number {
    return this.length
  }

  add(offers: readonly OfferDto[]): void {
    for (const offer of offers) this.set(this.rowFor(offer), offer)
  }

  build(): OfferTable {
    const n = this.length
    const provider = this.provider.build(n)
    const derived = this.ids.every((id, row) => id === `${provider.at(row)}-${this.providerIds[row]}`)
    return new OfferTable(
      new StringColumn(this.ids),
      derived ? null : new StringColumn(this.providerIds),
      provider,
      this.gpuType.build(n),
      this.gpuCount.build(n, this.maxDictionary),
      this.vramGb.build(n, this.maxDictionary),
      this.pricePerHour.build(n, this.maxDictionary),
      this.priceMicroUsd.build(n, this.maxDictionary),
      this.pricePerGpuHour.build(n, this.maxDictionary),
      this.location.build(n),
      this.countryCode.build(n),
      this.reliability.build(n, this.maxDictionary),
      this.available.build(n),
      this.fetchedAt.build(n),
      this.cudaVersion.build(n, this.maxDictionary),
      this.diskGb.build(n, this.maxDictionary),
      this.cpuCores.build(n, this.maxDictionary),
      this.ramGb.build(n, this.maxDictionary),
      this.inetDownMbps.build(n, this.maxDictionary),
      this.priceIncludes.build(n),
      this.diskRatePer.build(n),
      this.diskRateUsdPerGb.build(n, this.maxDictionary),
      this.diskRateMinimumGb.build(n, this.maxDictionary),
    )
  }

  private rowFor(offer: OfferDto): number {
    const known = this.rows.get(offer.id)
    if (known !== undefined) return known
    if (this.length === this.capacity) this.grow()
    const row = this.length++
    this.rows.set(offer.id, row)
    this.ids.push(offer.id)
    this.providerIds.push(offer.provider_id)
    return row
  }

  private set(row: number, o: OfferDto): void {
    this.providerIds[row] = o.provider_id
    this.provider.set(row, o.provider)
    this.gpuType.set(row, o.gpu_type)
    this.gpuCount.set(row, o.gpu_count)
    this.vramGb.set(row, o.vram_gb)
    this.pricePerHour.set(row, o.price_per_hour)
    this.priceMicroUsd.set(row, o.price_per_hour_micro_usd)
    this.pricePerGpuHour.set(row, o.price_per_gpu_hour)
    this.location.set(row, o.location)
    this.countryCode.set(row, o.country_code)
    this.reliability.set(row, orNaN(o.reliability))
    this.available.set(row, o.available)
    this.fetchedAt.set(row, o.fetched_at)
    this.cudaVersion.set(row, orNaN(o.cuda_version))
    this.diskGb.set(row, orNaN(o.disk_gb))
    this.cpuCores.set(row, orNaN(o.cpu_cores))
    this.ramGb.set(row, orNaN(o.ram_gb))
    this.inetDownMbps.set(row, orNaN(o.inet_down_mbps))
    this.priceIncludes.set(row, {disk_gb: o.price_includes.disk_gb, vcpus: o.price_includes.vcpus, ram_gb: o.price_includes.ram_gb})
    this.diskRatePer.set(row, o.disk_rate?.per ?? null)
    this.diskRateUsdPerGb.set(row, o.disk_rate?.usd_per_gb ?? NaN)
    this.diskRateMinimumGb.set(row, o.disk_rate?.minimum_gb ?? NaN)
  }

  private grow(): void {
    // The market grew while it was being paged through: room for half as much again.
    const capacity = Math.ceil(this.capacity * 1.5)
    for (const column of [
      this.provider,
      this.gpuType,
      this.gpuCount,
      this.vramGb,
      this.pricePerHour,
      this.priceMicroUsd,
      this.pricePerGpuHour,
      this.location,
      this.countryCode,
      this.reliability,
      this.available,
      this.fetchedAt,
      this.cudaVersion,
      this.diskGb,
      this.cpuCores,
      this.ramGb,
      this.inetDownMbps,
      this.priceIncludes,
      this.diskRatePer,
      this.diskRateUsdPerGb,
      this.diskRateMinimumGb,
    ])
      column.grow(capacity)
    this.capacity = capacity
  }
}
