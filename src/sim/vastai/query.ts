import {countryCodeOf} from './locations.js'
import {DEFAULT_ALLOCATED_STORAGE_GB, priceOffer, type OfferType, type VastOffer} from './offer.js'

/**
 * Vast's search query language: `{field: {op: value}, ..., "order": [[field, dir]], "type": ...,
 * "limit": N, "allocated_storage": GB}` (providers.md §1.4).
 */
export const OPERATORS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notin'] as const
export type Operator = (typeof OPERATORS)[number]

export interface Filter {
  field: string
  op: Operator
  value: unknown
}

export interface OfferQuery {
  filters: Filter[]
  order: [string, 'asc' | 'desc'][]
  limit: number | null
  type: OfferType
  allocatedStorage: number
}

export class QueryError extends Error {}

const CONTROL_KEYS = new Set(['order', 'type', 'limit', 'allocated_storage', 'disable_bundling', 'select_cols', 'extra'])

/** Names the docs list as filters that are really other fields of the offer. */
const FIELD_ALIASES: Record<string, string> = {
  dlperf_usd: 'dlperf_per_dphtotal',
  flops_usd: 'flops_per_dphtotal',
  ubuntu_version: 'os_version',
}

/**
 * The server applies these when a query does not mention the field (the /bundles/ docs list
 * them as defaults); vast.py sends them anyway unless `-n`.
 */
const DEFAULT_FILTERS: readonly Filter[] = [
  {field: 'verified', op: 'eq', value: true},
  {field: 'rentable', op: 'eq', value: true},
  {field: 'rented', op: 'eq', value: false},
]

export function parseOfferQuery(raw: unknown): OfferQuery {
  const q = raw === undefined || raw === null ? {} : raw
  if (typeof q !== 'object' || Array.isArray(q)) throw new QueryError('query must be a JSON object')
  const body = q as Record<string, unknown>
  const filters: Filter[] = []
  for (const [key, spec] of Object.entries(body)) {
    if (CONTROL_KEYS.has(key)) continue
    filters.push(...parseFieldFilters(FIELD_ALIASES[key] ?? key, spec))
  }
  for (const d of DEFAULT_FILTERS) if (!(d.field in body)) filters.push(d)
  return {
    filters,
    order: parseOrder(body.order),
    limit: parseLimit(body.limit),
    type: parseType(body.type),
    allocatedStorage: parseAllocatedStorage(body.allocated_storage),
  }
}

export function parseFieldFilters(field: string, spec: unknown): Filter[] {
  // A bare value is an equality test; Vast's web client sends some filters that way.
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [{field, op: 'eq', value: spec}]
  const filters: Filter[] = []
  for (const [op, value] of Object.entries(spec as Record<string, unknown>)) {
    if (!(OPERATORS as readonly string[]).includes(op)) throw new QueryError(`unknown operator ${op} for ${field}; use ${OPERATORS.join(', ')}`)
    if ((op === 'in' || op === 'notin') && !Array.isArray(value)) throw new QueryError(`${field}: ${op} takes a list`)
    filters.push({field, op: op as Operator, value})
  }
  return filters
}

function parseOrder(raw: unknown): [string, 'asc' | 'desc'][] {
  if (raw === undefined || raw === null) return [['score', 'desc']]
  const items = Array.isArray(raw) ? raw : [raw]
  const order: [string, 'asc' | 'desc'][] = []
  for (const item of items) {
    if (typeof item === 'string') {
      order.push(item.startsWith('-') ? [item.slice(1), 'desc'] : [item, 'asc'])
    } else if (Array.isArray(item) && typeof item[0] === 'string') {
      order.push([FIELD_ALIASES[item[0]] ?? item[0], String(item[1] ?? 'asc').toLowerCase() === 'desc' ? 'desc' : 'asc'])
    } else {
      throw new QueryError('order must be a list of [field, "asc"|"desc"] pairs')
    }
  }
  return order
}

function parseLimit(raw: unknown): number | null {
  if (raw === undefined || raw === null) return null
  const n = Number(raw)
  if (!Number.isFinite(n)) throw new QueryError('limit must be a number')
  return n <= 0 ? null : Math.floor(n)
}

function parseType(raw: unknown): OfferType {
  if (raw === undefined || raw === null) return 'on-demand'
  const t = String(raw).toLowerCase()
  if (t === 'on-demand' || t === 'ondemand') return 'on-demand'
  if (t === 'bid' || t === 'interruptible') return 'bid'
  if (t === 'reserved') return 'reserved'
  throw new QueryError(`unknown type ${JSON.stringify(raw)}; use on-demand, bid or reserved`)
}

function parseAllocatedStorage(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_ALLOCATED_STORAGE_GB
  const n = Number(raw)
  if (!Number.isFinite(n) || n < 0) throw new QueryError('allocated_storage must be a non-negative number')
  return n
}

/** Fields whose value depends on the query's pricing or on the time of the search. */
const PRICED_FIELDS = new Set(['dph_total', 'storage_total_cost', 'dlperf_per_dphtotal', 'flops_per_dphtotal', 'is_bid', 'duration', 'search', 'instance'])

/** Filters, prices for the query, orders and limits. */
export function searchOffers(offers: readonly VastOffer[], query: OfferQuery, nowMs: number): VastOffer[] {
  // Filter on the stored fields first so only the survivors are copied and priced.
  const plain = query.filters.filter((f) => !PRICED_FIELDS.has(f.field))
  const priced = query.filters.filter((f) => PRICED_FIELDS.has(f.field))
  const matched = offers
    .filter((o) => plain.every((f) => matchesFilter(o[f.field], f)))
    .map((o) => priceOffer(o, query.allocatedStorage, query.type, nowMs))
    .filter((o) => priced.every((f) => matchesFilter(o[f.field], f)))
  matched.sort(comparatorFor(query.order))
  return query.limit === null ? matched : matched.slice(0, query.limit)
}

/** One `{op: value}` test against a field's value, comparing numbers numerically even when the value arrives as a string. */
export function matchesFilter(actual: unknown, filter: Filter): boolean {
  const {op, value, field} = filter
  if (op === 'in' || op === 'notin') {
    const list = Array.isArray(value) ? value : [value]
    const hit = list.some((v) => compareValues(field, actual, v) === 0)
    return op === 'in' ? hit : !hit
  }
  const c = compareValues(field, actual, value)
  if (c === null) return op === 'neq'
  switch (op) {
    case 'eq':
      return c === 0
    case 'neq':
      return c !== 0
    case 'gt':
      return c > 0
    case 'gte':
      return c >= 0
    case 'lt':
      return c < 0
    case 'lte':
      return c <= 0
  }
}

/** Negative, zero, positive like a comparator, or null when the two cannot be compared. */
export function compareValues(field: string, actual: unknown, expected: unknown): number | null {
  if (field === 'geolocation' && typeof expected === 'string') {
    const code = countryCodeOf(typeof actual === 'string' ? actual : null)
    if (code === null) return null
    const wanted = countryCodeOf(expected) ?? expected.toUpperCase()
    return code === wanted ? 0 : code < wanted ? -1 : 1
  }
  if (actual === null || actual === undefined) {
    // vast.py (and the server) treat a null `rented`/`external` as false.
    if (expected === false || expected === 'false') return 0
    return null
  }
  if (typeof actual === 'boolean') {
    const b = toBoolean(expected)
    if (b === null) return null
    return Number(actual) - Number(b)
  }
  if (typeof actual === 'number') {
    const n = typeof expected === 'number' ? expected : typeof expected === 'string' && expected.trim() !== '' ? Number(expected) : typeof expected === 'boolean' ? Number(expected) : NaN
    if (Number.isNaN(n)) return null
    return actual === n ? 0 : actual < n ? -1 : 1
  }
  if (typeof actual === 'string') {
    if (expected === null || expected === undefined || typeof expected === 'object') return null
    let a = actual
    let e = String(expected)
    if (field === 'gpu_name') {
      // vast.py turns RTX_4090 into "RTX 4090"; the docs' own examples still use underscores.
      e = e.replace(/_/g, ' ')
      a = a.toLowerCase()
      e = e.toLowerCase()
    }
    if (isVersion(a) && isVersion(e)) return compareVersions(a, e)
    return a === e ? 0 : a < e ? -1 : 1
  }
  return JSON.stringify(actual) === JSON.stringify(expected) ? 0 : null
}

function toBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v
  if (v === 1 || v === '1' || v === 'true' || v === 'True') return true
  if (v === 0 || v === '0' || v === 'false' || v === 'False') return false
  return null
}

function isVersion(s: string): boolean {
  return /^\d+(\.\d+)+$/.test(s)
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d < 0 ? -1 : 1
  }
  return 0
}

/** Sorts by the given columns, nulls last, then by id so equal rows keep one order on every run. */
export function comparatorFor(order: readonly (readonly [string, 'asc' | 'desc'])[]): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  return (a, b) => {
    for (const [field, dir] of order) {
      const av = a[field]
      const bv = b[field]
      if (av === bv) continue
      if (av === null || av === undefined) return 1
      if (bv === null || bv === undefined) return -1
      const c = typeof av === 'number' && typeof bv === 'number' ? av - bv : String(av) < String(bv) ? -1 : String(av) > String(bv) ? 1 : 0
      if (c !== 0) return dir === 'desc' ? -c : c
    }
    return Number(a.id) - Number(b.id)
  }
}
