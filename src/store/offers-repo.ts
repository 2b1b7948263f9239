import {gpuTypeMatcher} from '../core/gpu-names.js'
import {defaultOrder, type InventoryQuery, type OfferSortKey} from '../core/inventory-query.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import {pricePerGpu, type Offer} from '../core/offer.js'
import type {ProviderName} from '../core/provider-name.js'
import type {SqlDatabase} from './sql/sql-database.js'

/** The columns an Offer is read from, in the order `offerFromValues` takes them. */
const READ_COLUMNS = `id, provider, provider_id, gpu_type, gpu_count, vram_gb, price_per_hour_micro, location, country_code,
  reliability, available, fetched_at, cuda_version, disk_gb, cpu_cores, ram_gb, inet_down_mbps, price_basis, tenant_id, host_id`

const SORT_COLUMNS: Record<OfferSortKey, string> = {
  price: 'price_per_hour_micro',
  price_per_gpu: 'price_per_gpu_micro',
  vram: 'vram_gb',
  reliability: 'reliability',
  fetched_at: 'fetched_at',
}

/**
 * ORDER BY for a sort key: its default direction with ties by id, or the reverse of that list
 * (ties by id descending), so one index per key in its default direction (migration 005) serves
 * both directions, the reverse as a backward scan. Offers without a value (reliability) come
 * last either way.
 */
export function offerOrderBy(sort: OfferSortKey, order: 'asc' | 'desc'): string {
  const reversed = order !== defaultOrder(sort)
  return `${SORT_COLUMNS[sort]} ${order === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, id ${reversed ? 'DESC' : 'ASC'}`
}

/** Filters in their store form: `gpuType` is the user's GPU filter, decided by the shared matcher (src/core/gpu-names.ts). */
export interface OfferFilter extends InventoryQuery {
  includeUnavailable?: boolean
  /** Only offers this tenant may rent (the market's and its own nodes'); every offer when absent. */
  visibleTo?: string
}

/** Market offers have no tenant; a node's offers only its tenant's. */
const VISIBLE_TO = '(tenant_id IS NULL OR tenant_id = @visibleTo)'

/** Offers of a provider up to which its missed offers are looked for by id (see markMissingUnavailable). */
const SMALL_MARKET = 2000

/** Distinct filter shapes and values whose totals are remembered; a TUI paging through one view needs one. */
const MAX_MEMOS = 256

const OFFER_COLUMNS = `id, provider, provider_id, gpu_type, gpu_type_key, gpu_count, vram_gb, price_per_hour_micro,
  price_per_gpu_micro, location, location_key, country_code, reliability, available, fetched_at, cuda_version,
  disk_gb, cpu_cores, ram_gb, inet_down_mbps, price_basis, tenant_id, host_id`

const UPSERT_SET = `gpu_type = excluded.gpu_type, gpu_type_key = excluded.gpu_type_key, gpu_count = excluded.gpu_count,
  vram_gb = excluded.vram_gb, price_per_hour_micro = excluded.price_per_hour_micro,
  price_per_gpu_micro = excluded.price_per_gpu_micro, location = excluded.location,
  location_key = excluded.location_key, country_code = excluded.country_code, reliability = excluded.reliability,
  available = excluded.available, fetched_at = excluded.fetched_at, cuda_version = excluded.cuda_version,
  disk_gb = excluded.disk_gb, cpu_cores = excluded.cpu_cores, ram_gb = excluded.ram_gb,
  inet_down_mbps = excluded.inet_down_mbps, price_basis = excluded.price_basis, tenant_id = excluded.tenant_id,
  host_id = excluded.host_id`

/** Rows per multi-row INSERT on PostgreSQL: 23 parameters each, well under its 65,535. */
const POSTGRES_UPSERT_BATCH = 1000

export class OffersRepo {
  /**
   * What is remembered of the offers until they change, on SQLite only: the `total` per filter
   * (paging through 100k offers otherwise counts the whole index for every page), the models
   * on offer and the pages last asked for. This connection's own writes forget it once they
   * are made (a write that changed nothing, such as a refresh of no nodes, does not); those of
   * another (the market ingest thread, `reconcile` with the daemon down) change the database's
   * data version, which is checked first. On PostgreSQL another server process may have written since: nothing is kept.
   */
  private memo: OffersMemo = new OffersMemo(null)
  constructor(private readonly db: SqlDatabase) {}

  /** Inserts or refreshes offers in one transaction. */
  async upsertMany(offers: readonly Offer[]): Promise<void> {
    if (offers.length === 0) return
    await this.db.transaction(async () => {
      if (this.db.dialect === 'postgres') {
        for (let i = 0; i < offers.length; i += POSTGRES_UPSERT_BATCH) await this.upsertBatch(offers.slice(i, i + POSTGRES_UPSERT_BATCH))
        return
      }
      for (const o of offers) {
        const row = offerRow(o)
        // Most offers come back unchanged between refreshes. SQLite rewrites an index only when
        // an UPDATE sets one of its columns, so moving just `fetched_at` touches two of the
        // offers' seven indexes instead of all of them: a 100k-offer refresh writes in about a
        // third of the time. The other columns derive from these (key, per-GPU price, provider).
        if (o.available) {
          const touched = await this.db.run(
            `UPDATE offers SET fetched_at = ?
             WHERE id = ? AND available = 1 AND provider_id = ? AND gpu_type = ? AND gpu_count = ? AND vram_gb = ?
               AND price_per_hour_micro = ? AND location = ? AND country_code IS ? AND reliability IS ? AND cuda_version IS ?
               AND disk_gb IS ? AND cpu_cores IS ? AND ram_gb IS ? AND inet_down_mbps IS ? AND price_basis IS ? AND tenant_id IS ?
               AND host_id IS ?`,
            [o.fetchedAt, o.id, o.providerId, o.gpuType, o.gpuCount, row[6], o.pricePerHour, o.location, o.countryCode, o.reliability, o.cudaVersion, o.diskGb, o.cpuCores, o.ramGb, o.inetDownMbps, row[20], row[21], row[22]],
          )
          if (touched.changes === 1) continue
        }
        // Positional parameters: binding a named object per row costs a third of the upsert time.
        await this.db.run(
          `INSERT INTO offers (${OFFER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET ${UPSERT_SET}`,
          row,
        )
      }
    })
    this.forget()
  }

  /** One multi-row statement per batch: a round trip per offer would dominate a refresh. */
  private async upsertBatch(offers: readonly Offer[]): Promise<void> {
    if (offers.length === 0) return
    const tuple = `(${Array.from({length: 23}, () => '?').join(', ')})`
    const values = offers.map(() => tuple)
    await this.db.run(`INSERT INTO offers (${OFFER_COLUMNS}) VALUES ${values.join(', ')} ON CONFLICT (id) DO UPDATE SET ${UPSERT_SET}`, offers.flatMap(offerRow))
  }

  /** Offers of `provider` not seen in a full refresh at `fetchedAt` are gone: keep them, flagged. */
  async markMissingUnavailable(provider: ProviderName, fetchedAt: number): Promise<number> {
    const changes = await this.markMissing(provider, fetchedAt)
    if (changes > 0) this.forget()
    return changes
  }

  private async markMissing(provider: ProviderName, fetchedAt: number): Promise<number> {
    if (this.db.dialect === 'sqlite') {
      // A small market (TensorDock, the nodes) is found on the primary key by its ids' prefix
      // (`<provider>-`, see makeOfferId): on the fetched_at index its missed offers lie among
      // every offer of the large market refreshed before it, 70k index entries read (~10 ms
      // and more, on the daemon's main thread) to mark none. A large market's missed offers are
      // the few on that index older than its refresh; its ids would be 70k row reads.
      const ids = [`${provider}-`, `${provider}.`]
      const size = (await this.db.get<{n: number}>('SELECT count(*) AS n FROM offers WHERE id >= ? AND id < ?', ids))!.n
      if (size <= SMALL_MARKET) {
        return (await this.db.run('UPDATE offers SET available = 0 WHERE id >= ? AND id < ? AND +available = 1 AND +fetched_at < ?', [...ids, fetchedAt])).changes
      }
    }
    return (await this.db.run('UPDATE offers SET available = 0 WHERE provider = ? AND fetched_at < ? AND available = 1', [provider, fetchedAt])).changes
  }

  async markUnavailable(id: string): Promise<void> {
    await this.db.run('UPDATE offers SET available = 0 WHERE id = ?', [id])
    this.forget()
  }

  /** Available offers grouped by canonical model and GPU count: the SKU catalog. */
  async catalog(filter: CatalogFilter = {}): Promise<CatalogRow[]> {
    const params: Record<string, unknown> = {provider: filter.provider ?? null, country: filter.countryCode ?? null}
    const gpu = filter.gpuType ? `AND ${await this.gpuTypeCondition(filter.gpuType, params, await this.current())}` : ''
    const visible = filter.visibleTo === undefined ? '' : `AND ${VISIBLE_TO}`
    if (filter.visibleTo !== undefined) params.visibleTo = filter.visibleTo
    const distinctList = (column: string) =>
      this.db.dialect === 'postgres' ? `string_agg(DISTINCT ${column}, ',')` : `group_concat(DISTINCT ${column})`
    const rows = await this.db.all<{
      gpu_type: string
      gpu_count: number
      vram: number
      min_price: number
      max_price: number
      n: number
      countries: string | null
      providers: string
    }>(
      `SELECT gpu_type, gpu_count, max(vram_gb) AS vram, min(price_per_hour_micro) AS min_price,
              max(price_per_hour_micro) AS max_price, count(*) AS n,
              ${distinctList('country_code')} AS countries, ${distinctList('provider')} AS providers
       FROM offers
       WHERE available = 1 AND (CAST(@provider AS TEXT) IS NULL OR provider = @provider) AND (CAST(@country AS TEXT) IS NULL OR country_code = @country) ${gpu} ${visible}
       GROUP BY gpu_type, gpu_count ORDER BY gpu_type, gpu_count`,
      params,
    )
    return rows.map((r) => ({
      gpuType: r.gpu_type,
      gpuCount: r.gpu_count,
      vramGb: r.vram,
      minPrice: asMicroUsd(r.min_price),
      maxPrice: asMicroUsd(r.max_price),
      offers: r.n,
      countries: (r.countries ?? '').split(',').filter(Boolean).sort(),
      providers: r.providers.split(',').sort(),
    }))
  }

  /**
   * Offers matching a provisioning spec in the order they should be tried: cheapest, then
   * most reliable (offers without a score count as exactly the floor), then by id.
   */
  async matchingSpec(spec: SpecFilter): Promise<Offer[]> {
    const params: Record<string, unknown> = {}
    const gpu = spec.gpuTypeKey === null ? '1 = 1' : await this.gpuTypeCondition(spec.gpuTypeKey, params, await this.current())
    const rows = await this.db.values(
      `SELECT ${READ_COLUMNS} FROM offers
       WHERE available = 1 AND ${gpu} AND gpu_count = @count
         AND vram_gb >= @minVram
         AND (CAST(@minCuda AS DOUBLE PRECISION) IS NULL OR cuda_version >= @minCuda)
         AND (CAST(@minDisk AS DOUBLE PRECISION) IS NULL OR disk_gb >= @minDisk)
         AND (CAST(@region AS TEXT) IS NULL OR country_code = @country OR lower(location) = @region)
         AND (CAST(@maxPrice AS BIGINT) IS NULL OR price_per_hour_micro <= @maxPrice)
         AND coalesce(reliability, @floor) >= @floor
         AND NOT ${this.db.inList('id', '@exclude')}
         AND (host_id IS NULL OR NOT ${this.db.inList('host_id', '@excludeHosts')})
         AND (CAST(@anyProvider AS INTEGER) = 1 OR ${this.db.inList('provider', '@providers')})
         AND (CAST(@visibleTo AS TEXT) IS NULL OR ${VISIBLE_TO})
       ORDER BY price_per_hour_micro ASC, coalesce(reliability, @floor) DESC, id ASC
       LIMIT @limit`,
      {
        ...params,
        count: spec.gpuCount,
        minVram: spec.minVramGb ?? 0,
        minCuda: spec.minCudaVersion ?? null,
        minDisk: spec.minDiskGb ?? null,
        excludeHosts: this.db.list(spec.excludeHostIds ?? []),
        region: spec.region === null ? null : spec.region.trim().toLowerCase(),
        country: spec.countryCode,
        maxPrice: spec.maxPricePerHour,
        floor: spec.minReliability,
        exclude: this.db.list(spec.excludeIds ?? []),
        anyProvider: spec.providers === undefined ? 1 : 0,
        providers: this.db.list(spec.providers ?? []),
        visibleTo: spec.visibleTo ?? null,
        limit: spec.limit ?? 10,
      },
    )
    return rows.map(offerFromValues)
  }

  /** Canonical GPU names currently in the store (for resolving SKU slugs). */
  async gpuTypes(): Promise<string[]> {
    // One seek per model, not a read of every offer (see `gpuTypeKeys`).
    const names: string[] = []
    for (const key of await this.gpuTypeKeys(await this.current())) {
      const row = await this.db.get<{gpu_type: string}>('SELECT gpu_type FROM offers WHERE gpu_type_key = ? LIMIT 1', [key])
      names.push(row!.gpu_type)
    }
    return names.sort()
  }

  async get(id: string): Promise<Offer | null> {
    const [row] = await this.db.values(`SELECT ${READ_COLUMNS} FROM offers WHERE id = ?`, [id])
    return row ? offerFromValues(row) : null
  }

  async query(filter: OfferFilter): Promise<OfferPage> {
    const memo = await this.current()
    const where: string[] = []
    const params: Record<string, unknown> = {}
    if (!filter.includeUnavailable) where.push('available = 1')
    if (filter.visibleTo !== undefined) {
      where.push(VISIBLE_TO)
      params.visibleTo = filter.visibleTo
    }
    if (filter.provider) {
      where.push('provider = @provider')
      params.provider = filter.provider
    }
    if (filter.gpuType) where.push(await this.gpuTypeCondition(filter.gpuType, params, memo))
    if (filter.location) {
      const loc = filter.location.trim()
      if (/^[A-Za-z]{2}$/.test(loc)) {
        where.push('country_code = @country')
        params.country = loc.toUpperCase()
      } else {
        where.push("location_key LIKE @location ESCAPE '\\'")
        params.location = `%${loc.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`
      }
    }
    if (filter.minVramGb !== undefined) {
      where.push('vram_gb >= @minVram')
      params.minVram = filter.minVramGb
    }
    if (filter.maxPricePerHour !== undefined) {
      where.push('price_per_hour_micro <= @maxPrice')
      params.maxPrice = filter.maxPricePerHour
    }
    if (filter.minGpuCount !== undefined) {
      where.push('gpu_count >= @minGpus')
      params.minGpus = filter.minGpuCount
    }
    if (filter.minReliability !== undefined) {
      where.push('reliability >= @minRel')
      params.minRel = filter.minReliability
    }
    if (filter.minCuda !== undefined) {
      where.push('cuda_version >= @minCuda')
      params.minCuda = filter.minCuda
    }
    if (filter.minDiskGb !== undefined) {
      where.push('disk_gb >= @minDisk')
      params.minDisk = filter.minDiskGb
    }
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : ''
    const sort = filter.sort ?? 'price'
    const order = filter.order ?? defaultOrder(sort)
    const limit = filter.limit ?? 100
    const offset = filter.offset ?? 0
    const orderBy = offerOrderBy(sort, order)
    const filterKey = `${whereSql}\u0000${JSON.stringify(params)}`
    const pageKey = `${filterKey}\u0000${orderBy}\u0000${limit}\u0000${offset}`
    const remembered = memo?.pages.get(pageKey)
    if (remembered) return remembered
    const total = await this.total(whereSql, params, filterKey, memo)
    // The page is chosen on the sort key's index, which also holds every filtered column
    // (migration 012), skipping the offset there; only the page's rows are read from the table.
    // SQLite finds the page's rows by rowid: one lookup each instead of two through the id index.
    const key = this.db.dialect === 'sqlite' ? 'rowid' : 'id'
    const rows = await this.db.values(
      `SELECT ${READ_COLUMNS} FROM offers WHERE ${key} IN (SELECT ${key} FROM offers ${whereSql} ORDER BY ${orderBy} LIMIT @limit OFFSET @offset) ORDER BY ${orderBy}`,
      {...params, limit, offset},
    )
    const page: OfferPage = Object.freeze({offers: Object.freeze(rows.map((row) => Object.freeze(offerFromValues(row)))), total})
    if (memo) memo.remember(pageKey, page)
    return page
  }

  /**
   * A GPU filter as SQL: the shared matcher decides over the models on offer (a few dozen), and
   * the query then selects those models by key, which the index serves. Where the filter names
   * a memory size its name may not carry ("RTX 4090 48GB"), the (model, VRAM) pairs of those
   * models are decided too.
   */
  private async gpuTypeCondition(filter: string, params: Record<string, unknown>, memo: OffersMemo | null): Promise<string> {
    const {keys, models} = await this.gpuFilter(filter, memo)
    // One model (the usual filter) is an equality, so the GPU index serves it in price order.
    let byKey: string
    if (keys.length === 1) {
      params.gpuKey = keys[0]
      byKey = 'gpu_type_key = @gpuKey'
    } else {
      params.gpuKeys = this.db.list(keys)
      byKey = this.db.inList('gpu_type_key', '@gpuKeys')
    }
    if (models === null) return byKey
    params.gpuModels = this.db.list(models)
    return `${byKey} AND ${this.db.inList("gpu_type_key || '/' || vram_gb", '@gpuModels')}`
  }

  /** The models (and model/VRAM pairs, when the filter names a size) a GPU filter selects, remembered until the offers change. */
  private async gpuFilter(filter: string, memo: OffersMemo | null): Promise<{keys: string[]; models: string[] | null}> {
    const known = memo?.gpuFilters.get(filter)
    if (known) return known
    const matches = gpuTypeMatcher(filter)
    const keys = (await this.gpuTypeKeys(memo)).filter((key) => matches.byName(key))
    let models: string[] | null = null
    if (matches.namesVram) {
      const pairs = await this.db.all<{key: string; vramGb: number}>(
        `SELECT DISTINCT gpu_type_key AS key, vram_gb AS "vramGb" FROM offers WHERE ${this.db.inList('gpu_type_key', '@gpuKeys')}`,
        {gpuKeys: this.db.list(keys)},
      )
      models = pairs.filter((m) => matches(m.key, m.vramGb)).map((m) => `${m.key}/${m.vramGb}`)
    }
    const decided = {keys, models}
    if (memo && memo.gpuFilters.size < MAX_MEMOS) memo.gpuFilters.set(filter, decided)
    return decided
  }

  /**
   * The distinct model keys on offer, hopping through the GPU index one model at a time: a few
   * dozen seeks instead of reading 100k offers (0.3 ms against 400 ms), and remembered until
   * the offers change. The matcher ignores case, so the lower-cased keys serve it as well as the names.
   */
  private async gpuTypeKeys(memo: OffersMemo | null): Promise<string[]> {
    if (memo?.gpuKeys) return memo.gpuKeys
    const rows = await this.db.all<{key: string}>(
      `WITH RECURSIVE models(key) AS (
         SELECT min(gpu_type_key) FROM offers
         UNION ALL SELECT (SELECT min(gpu_type_key) FROM offers WHERE gpu_type_key > models.key) FROM models WHERE models.key IS NOT NULL
       ) SELECT key FROM models WHERE key IS NOT NULL`,
    )
    const keys = rows.map((r) => r.key)
    if (memo) memo.gpuKeys = keys
    return keys
  }

  private async total(whereSql: string, params: Record<string, unknown>, key: string, memo: OffersMemo | null): Promise<number> {
    const count = async () => (await this.db.get<{n: number}>(`SELECT count(*) AS n FROM offers ${whereSql}`, params))!.n
    if (memo === null) return count()
    let total = memo.totals.get(key)
    if (total === undefined) {
      total = await count()
      if (memo.totals.size >= MAX_MEMOS) memo.totals.clear()
      memo.totals.set(key, total)
    }
    return total
  }

  /** The memo, emptied first if another connection has written since; null where nothing is kept. */
  private async current(): Promise<OffersMemo | null> {
    const version = await this.db.dataVersion()
    if (version === null) return null
    if (version !== this.memo.version) this.memo = new OffersMemo(version)
    return this.memo
  }

  private forget(): void {
    this.memo = new OffersMemo(this.memo.version)
  }
}

/** One page of a query and the number of offers matching it. Remembered pages are shared: frozen. */
export interface OfferPage {
  readonly offers: readonly Offer[]
  readonly total: number
}

/**
 * Offers held in remembered pages, at most: a TUI or a team's users asking for the same
 * pages between two refreshes are answered without SQLite (reading 50 offers' rows costs
 * ~0.25 ms, more than the rest of the request), and memory stays bounded (~1 KB an offer).
 */
const MAX_REMEMBERED_OFFERS = 10_000

class OffersMemo {
  readonly totals = new Map<string, number>()
  gpuKeys: string[] | null = null
  readonly gpuFilters = new Map<string, {keys: string[]; models: string[] | null}>()
  /** In the order remembered: the oldest are forgotten first. */
  readonly pages = new Map<string, OfferPage>()
  private pageOffers = 0

  constructor(readonly version: number | null) {}

  remember(key: string, page: OfferPage): void {
    if (page.offers.length > MAX_REMEMBERED_OFFERS) return
    this.pageOffers += page.offers.length
    this.pages.set(key, page)
    for (const [oldKey, old] of this.pages) {
      if (this.pageOffers <= MAX_REMEMBERED_OFFERS && this.pages.size <= MAX_MEMOS) break
      this.pages.delete(oldKey)
      this.pageOffers -= old.offers.length
    }
  }
}


export interface CatalogRow {
  gpuType: string
  gpuCount: number
  vramGb: number
  minPrice: MicroUsd
  maxPrice: MicroUsd
  offers: number
  countries: string[]
  providers: string[]
}

export interface CatalogFilter {
  visibleTo?: string
  provider?: ProviderName
  countryCode?: string
  /** The user's GPU filter, as for `query`. */
  gpuType?: string
}

export interface SpecFilter {
  visibleTo?: string
  /** The spec's GPU filter (lower-cased canonical name), decided by the shared matcher: "h100" takes any H100; null: any model. */
  gpuTypeKey: string | null
  gpuCount: number
  /** Per GPU. */
  minVramGb?: number
  /** What a template needs (core/template.ts): a driver for this CUDA (offers that do not say drop out), and this much disk. */
  minCudaVersion?: number | null
  minDiskGb?: number | null
  /** A marketplace region (matched by its country code) or a self-hosted node's region (by name). */
  region: string | null
  countryCode: string | null
  maxPricePerHour: MicroUsd | null
  minReliability: number
  excludeIds?: readonly string[]
  /** Machines not to land on (hosts cooling down, and those a retry chain already failed on). */
  excludeHostIds?: readonly string[]
  /** Only these providers' offers (those that can run what the session asks for); any when absent. */
  providers?: readonly string[]
  limit?: number
}

/** An Offer from its READ_COLUMNS values. */
function offerFromValues(v: unknown[]): Offer {
  const tenantId = v[18] as string | null
  return {
    id: v[0] as string,
    provider: v[1] as ProviderName,
    providerId: v[2] as string,
    gpuType: v[3] as string,
    gpuCount: v[4] as number,
    vramGb: v[5] as number,
    pricePerHour: asMicroUsd(v[6] as number),
    location: v[7] as string,
    countryCode: v[8] as string | null,
    reliability: v[9] as number | null,
    available: v[10] === 1,
    fetchedAt: v[11] as number,
    cudaVersion: v[12] as number | null,
    diskGb: v[13] as number | null,
    cpuCores: v[14] as number | null,
    ramGb: v[15] as number | null,
    inetDownMbps: v[16] as number | null,
    ...priceBasisFrom(v[17] as string | null),
    ...(tenantId === null ? {} : {tenantId}),
    ...(v[19] === null ? {} : {hostId: v[19] as string}),
  }
}

type PriceBasis = Pick<Offer, 'priceIncludes' | 'diskRate'>

/** An offer's column values in OFFER_COLUMNS order. */
function offerRow(o: Offer): unknown[] {
  return [
    o.id,
    o.provider,
    o.providerId,
    o.gpuType,
    o.gpuType.toLowerCase(),
    o.gpuCount,
    Math.round(o.vramGb),
    o.pricePerHour,
    pricePerGpu(o),
    o.location,
    o.location.toLowerCase(),
    o.countryCode,
    o.reliability,
    o.available ? 1 : 0,
    o.fetchedAt,
    o.cudaVersion,
    o.diskGb,
    o.cpuCores,
    o.ramGb,
    o.inetDownMbps,
    priceBasisJson(o),
    o.tenantId ?? null,
    o.hostId ?? null,
  ]
}

function priceBasisJson(o: Offer): string {
  return JSON.stringify({priceIncludes: o.priceIncludes, diskRate: o.diskRate} satisfies PriceBasis)
}

/**
 * Decoded price bases by their text: offers share a few thousand (one per host's disk rate), and
 * decoding one per row was a tenth of a page's time. Frozen, since every offer with that text shares it.
 */
const priceBases = new Map<string, PriceBasis>()
const PRICE_BASES_KEPT = 4096

function priceBasisFrom(json: string | null): PriceBasis {
  // Only offers stored before migration 7 lack it, and those are unavailable until refreshed.
  if (json === null) return {priceIncludes: {diskGb: 0, vcpus: null, ramGb: null}, diskRate: null}
  let basis = priceBases.get(json)
  if (basis === undefined) {
    const parsed = JSON.parse(json) as PriceBasis
    basis = Object.freeze({priceIncludes: Object.freeze(parsed.priceIncludes), diskRate: parsed.diskRate && Object.freeze(parsed.diskRate)})
    if (priceBases.size >= PRICE_BASES_KEPT) priceBases.clear()
    priceBases.set(json, basis)
  }
  return basis
}
