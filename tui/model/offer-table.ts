import type {OfferDto} from '../../src/core/api/inventory.js'

/**
 * The market held column by column instead of as 100k decoded JSON objects (each ~600 bytes
 * with its strings, numbers and two nested objects): a few dozen GPU models, hundreds of
 * locations and a handful of VRAM sizes repeat across every offer, so those are stored once and
 * referred to by a one-byte code; prices and sizes are short decimals, kept as int32s; ids are
 * one joined string. 100k offers take ~6 MB. An offer object is built only for a row on screen.
 */

export type Codes = Uint8Array | Uint16Array | Uint32Array

/**
 * Distinct values past which a number column leaves its dictionary. Every value costs a Map
 * lookup while the column has one, so it is kept low: a price column gives up after a few
 * thousand rows, and what a dictionary would save on the mostly distinct columns (disk sizes,
 * bandwidths) over int32 decimals is a few hundred KB.
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
  constructor(
    private readonly raw: Float64Array | null,
    private readonly decimal: {units: Int32Array; scale: number} | null,
    readonly dictionary: DictColumn<number> | null,
  ) {}

  static from(values: ArrayLike<number>, maxDictionary = MAX_DICTIONARY): NumberColumn {
    const builder = new NumberBuilder(values.length, maxDictionary)
    for (let row = 0; row < values.length; row++) builder.set(row, values[row]!)
    return builder.build(values.length)
  }

  get form(): 'dictionary' | 'decimal' | 'raw' {
    return this.dictionary ? 'dictionary' : this.decimal ? 'decimal' : 'raw'
  }

  at(row: number): number {
    if (this.dictionary) return this.dictionary.at(row)
    if (this.decimal) return fromUnits(this.decimal.units[row]!, this.decimal.scale)
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

/** The scale (10^k) of the fewest decimals k ≥ `from` at which every value is a short decimal; null when none up to 9 is. */
function decimalScale(values: Iterable<number>, from = 1): number | null {
  const list = [...values]
  for (let scale = from; scale <= 10 ** MAX_DECIMALS; scale *= 10) {
    if (list.every((value) => Number.isNaN(value) || isDecimal(value, scale))) return scale
  }
  return null
}

/** True when `value` is a whole int32 count of 1/`scale` that divides back to exactly the same double (as JSON's "0.03374" does). */
function isDecimal(value: number, scale: number): boolean {
  const units = Math.round(value * scale)
  return units > DECIMAL_UNKNOWN && units <= 0x7fff_ffff && units / scale === value && !Object.is(value, -0)
}

function toUnits(value: number, scale: number): number {
  return Number.isNaN(value) ? DECIMAL_UNKNOWN : Math.round(value * scale)
}

function fromUnits(units: number, scale: number): number {
  return units === DECIMAL_UNKNOWN ? NaN : units / scale
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
    readonly hostId: DictColumn<string | null>,
    readonly availabilityConfidence: NumberColumn,
    readonly coolingDownUntil: DictColumn<string | null>,
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
      host_id: this.hostId.at(row),
      availability_confidence: this.availabilityConfidence.at(row),
      cooling_down_until: this.coolingDownUntil.at(row),
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

/** A code per row, one byte wide until the codes need two, then four: a column of a dozen values costs 100 KB, not 400 KB, while it fills. */
class CodeArray {
  codes: Codes

  constructor(capacity: number) {
    this.codes = new Uint8Array(capacity)
  }

  set(row: number, code: number): void {
    if (code > 0xff && this.codes instanceof Uint8Array) this.codes = Uint16Array.from(this.codes)
    if (code > 0xffff && this.codes instanceof Uint16Array) this.codes = Uint32Array.from(this.codes)
    this.codes[row] = code
  }

  grow(capacity: number): void {
    const codes = new (this.codes.constructor as new (length: number) => Codes)(capacity)
    codes.set(this.codes)
    this.codes = codes
  }

  /** The first `length` codes, without a copy when the column is exactly that long. */
  take(length: number): Codes {
    return length === this.codes.length ? this.codes : this.codes.slice(0, length)
  }
}

/** Codes for one dictionary field while offers arrive. */
class DictBuilder<T> {
  private readonly seen = new Map<unknown, number>()
  private readonly values: T[] = []
  private readonly codes: CodeArray

  constructor(
    capacity: number,
    private readonly keyOf: (value: T) => unknown = (value) => value,
  ) {
    this.codes = new CodeArray(capacity)
  }

  set(row: number, value: T): void {
    const key = this.keyOf(value)
    let code = this.seen.get(key)
    if (code === undefined) {
      code = this.values.length
      this.seen.set(key, code)
      this.values.push(value)
    }
    this.codes.set(row, code)
  }

  at(row: number): T {
    return this.values[this.codes.codes[row]!]!
  }

  grow(capacity: number): void {
    this.codes.grow(capacity)
  }

  build(length: number): DictColumn<T> {
    return new DictColumn(this.values, this.codes.take(length))
  }
}

/**
 * A number field while offers arrive, in the smallest form that holds what came so far: a
 * dictionary until it passes `maxDictionary` distinct values, then int32 decimals (at more
 * decimals when a value needs them), then float64s. Never more than the final form's size.
 */
export class NumberBuilder {
  private dictionary: {seen: Map<number | string, number>; values: number[]; codes: CodeArray} | null
  private decimal: {units: Int32Array; scale: number} | null = null
  private raw: Float64Array | null = null
  /** Rows written so far: 0..length-1. */
  private length = 0

  constructor(
    private capacity: number,
    private readonly maxDictionary = MAX_DICTIONARY,
  ) {
    this.dictionary = {seen: new Map(), values: [], codes: new CodeArray(capacity)}
  }

  set(row: number, value: number): void {
    this.length = Math.max(this.length, row + 1)
    if (this.dictionary) {
      const {seen, values, codes} = this.dictionary
      const key = dictionaryKey(value)
      let code = seen.get(key)
      if (code === undefined && values.length < this.maxDictionary) {
        code = values.length
        seen.set(key, code)
        values.push(value)
      }
      if (code !== undefined) return codes.set(row, code)
      this.leaveDictionary(value)
    }
    if (this.decimal) {
      if (Number.isNaN(value) || isDecimal(value, this.decimal.scale)) {
        this.decimal.units[row] = toUnits(value, this.decimal.scale)
        return
      }
      this.rescale(value)
    }
    if (this.decimal) this.decimal.units[row] = toUnits(value, this.decimal.scale)
    else this.raw![row] = value
  }

  grow(capacity: number): void {
    this.capacity = capacity
    if (this.dictionary) this.dictionary.codes.grow(capacity)
    const widen = <A extends Int32Array | Float64Array>(from: A, make: (n: number) => A): A => {
      const to = make(capacity)
      to.set(from)
      return to
    }
    if (this.decimal) this.decimal.units = widen(this.decimal.units, (n) => new Int32Array(n))
    if (this.raw) this.raw = widen(this.raw, (n) => new Float64Array(n))
  }

  build(length: number): NumberColumn {
    if (this.dictionary) return new NumberColumn(null, null, new DictColumn(this.dictionary.values, this.dictionary.codes.take(length)))
    if (this.decimal) return new NumberColumn(null, {units: take(this.decimal.units, length), scale: this.decimal.scale}, null)
    return new NumberColumn(take(this.raw!, length), null, null)
  }

  private valueAt(row: number): number {
    if (this.dictionary) return this.dictionary.values[this.dictionary.codes.codes[row]!]!
    if (this.decimal) return fromUnits(this.decimal.units[row]!, this.decimal.scale)
    return this.raw![row]!
  }

  /** Too many distinct values: the rows so far become decimals (or float64s), `next` included in the choice. */
  private leaveDictionary(next: number): void {
    const scale = decimalScale([...this.dictionary!.values, next])
    this.convert(scale)
  }

  /** `next` needs more decimals than the column has (or is no short decimal): every row so far is rewritten. */
  private rescale(next: number): void {
    const rows = Array.from({length: this.length}, (_, row) => this.valueAt(row))
    this.convert(decimalScale([...rows, next], this.decimal!.scale * 10))
  }

  private convert(scale: number | null): void {
    const values = Array.from({length: this.length}, (_, row) => this.valueAt(row))
    this.dictionary = null
    if (scale === null) {
      this.decimal = null
      this.raw = new Float64Array(this.capacity)
      this.raw.set(values)
    } else {
      const units = new Int32Array(this.capacity)
      values.forEach((value, row) => (units[row] = toUnits(value, scale)))
      this.decimal = {units, scale}
    }
  }
}

function take<A extends Int32Array | Float64Array>(values: A, length: number): A {
  return (length === values.length ? values : values.slice(0, length)) as A
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
  /** Kept only once a provider id is not the offer id after "<provider>-" (until then each is read off its id). */
  private providerIds: string[] | null = null
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
  private readonly hostId: DictBuilder<string | null>
  private readonly availabilityConfidence: NumberBuilder
  private readonly coolingDownUntil: DictBuilder<string | null>

  /**
   * `expected`: how many offers the server said it has, so the columns are allocated once.
   * `maxDictionary`: distinct values past which a number column is kept raw (tests lower it to
   * read both forms).
   */
  constructor(expected: number, maxDictionary = MAX_DICTIONARY) {
    const capacity = Math.max(16, expected)
    this.capacity = capacity
    this.provider = new DictBuilder(capacity)
    this.gpuType = new DictBuilder(capacity)
    this.gpuCount = new NumberBuilder(capacity, maxDictionary)
    this.vramGb = new NumberBuilder(capacity, maxDictionary)
    this.pricePerHour = new NumberBuilder(capacity, maxDictionary)
    this.priceMicroUsd = new NumberBuilder(capacity, maxDictionary)
    this.pricePerGpuHour = new NumberBuilder(capacity, maxDictionary)
    this.location = new DictBuilder(capacity)
    this.countryCode = new DictBuilder(capacity)
    this.reliability = new NumberBuilder(capacity, maxDictionary)
    this.available = new DictBuilder(capacity)
    this.fetchedAt = new DictBuilder(capacity)
    this.cudaVersion = new NumberBuilder(capacity, maxDictionary)
    this.diskGb = new NumberBuilder(capacity, maxDictionary)
    this.cpuCores = new NumberBuilder(capacity, maxDictionary)
    this.ramGb = new NumberBuilder(capacity, maxDictionary)
    this.inetDownMbps = new NumberBuilder(capacity, maxDictionary)
    this.priceIncludes = new DictBuilder(capacity, (value) => `${value.disk_gb}\u0000${value.vcpus}\u0000${value.ram_gb}`)
    this.diskRatePer = new DictBuilder(capacity)
    this.diskRateUsdPerGb = new NumberBuilder(capacity, maxDictionary)
    this.diskRateMinimumGb = new NumberBuilder(capacity, maxDictionary)
    this.hostId = new DictBuilder(capacity)
    this.availabilityConfidence = new NumberBuilder(capacity, maxDictionary)
    this.coolingDownUntil = new DictBuilder(capacity)
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
    return new OfferTable(
      new StringColumn(this.ids),
      this.providerIds && new StringColumn(this.providerIds),
      this.provider.build(n),
      this.gpuType.build(n),
      this.gpuCount.build(n),
      this.vramGb.build(n),
      this.pricePerHour.build(n),
      this.priceMicroUsd.build(n),
      this.pricePerGpuHour.build(n),
      this.location.build(n),
      this.countryCode.build(n),
      this.reliability.build(n),
      this.available.build(n),
      this.fetchedAt.build(n),
      this.cudaVersion.build(n),
      this.diskGb.build(n),
      this.cpuCores.build(n),
      this.ramGb.build(n),
      this.inetDownMbps.build(n),
      this.priceIncludes.build(n),
      this.diskRatePer.build(n),
      this.diskRateUsdPerGb.build(n),
      this.diskRateMinimumGb.build(n),
      this.hostId.build(n),
      this.availabilityConfidence.build(n),
      this.coolingDownUntil.build(n),
    )
  }

  private rowFor(offer: OfferDto): number {
    const known = this.rows.get(offer.id)
    if (known !== undefined) return known
    if (this.length === this.capacity) this.grow()
    const row = this.length++
    this.rows.set(offer.id, row)
    this.ids.push(offer.id)
    return row
  }

  private set(row: number, o: OfferDto): void {
    if (!this.providerIds && o.id !== `${o.provider}-${o.provider_id}`) {
      // The first id that does not carry its provider's: the ones before it are read off their ids once.
      this.providerIds = this.ids.map((id, r) => (r === row ? '' : id.slice(this.provider.at(r).length + 1)))
    }
    if (this.providerIds) this.providerIds[row] = o.provider_id
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
    this.hostId.set(row, o.host_id)
    this.availabilityConfidence.set(row, o.availability_confidence)
    this.coolingDownUntil.set(row, o.cooling_down_until)
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
      this.hostId,
      this.availabilityConfidence,
      this.coolingDownUntil,
    ])
      column.grow(capacity)
    this.capacity = capacity
  }
}
