import {createHmac, timingSafeEqual} from 'node:crypto'

import {comparatorFor, matchesFilter, parseFieldFilters, QueryError, type Filter} from './query.js'

/** `GET /api/v1/instances/` pages: at most 25 rows; a limit of 0 or less means 5 (providers.md §1.3). */
const MAX_PAGE = 25
const NON_POSITIVE_LIMIT = 5

/**
 * Columns Vast stores for instances; `select_filters` on anything else (a computed field such
 * as `dph_total`) is a 400 on the real API.
 */
const FILTERABLE = new Set([
  'id',
  'actual_status',
  'intended_status',
  'cur_state',
  'next_state',
  'status_msg',
  'gpu_name',
  'num_gpus',
  'label',
  'machine_id',
  'host_id',
  'verification',
  'image_uuid',
  'image_runtype',
  'geolocation',
  'is_bid',
  'template_id',
  'template_hash_id',
])

export type ListReply = {status: number; body: Record<string, unknown>}

export function listInstancesV1(rows: Record<string, unknown>[], params: URLSearchParams, tokenSecret: string): ListReply {
  let filters: Filter[]
  let order: [string, 'asc' | 'desc'][]
  let cols: string[] | null
  try {
    filters = parseSelectFilters(params.get('select_filters'))
    order = parseOrderBy(params.get('order_by'))
    cols = parseSelectCols(params.get('select_cols'))
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error))
  }
  const limitRaw = params.get('limit')
  let limit = MAX_PAGE
  if (limitRaw !== null && limitRaw !== '') {
    const n = Number.parseInt(limitRaw, 10)
    if (Number.isNaN(n)) return invalid('limit must be an integer')
    limit = n <= 0 ? NON_POSITIVE_LIMIT : Math.min(n, MAX_PAGE)
  }
  let offset = 0
  const token = params.get('after_token')
  if (token !== null && token !== '') {
    const decoded = decodeToken(token, tokenSecret)
    if (decoded === null) return invalid('invalid after_token')
    offset = decoded
  }

  const matched = rows.filter((row) => filters.every((f) => matchesFilter(row[f.field], f)))
  matched.sort(comparatorFor(order))
  const page = matched.slice(offset, offset + limit)
  const nextOffset = offset + page.length
  const labelCounts: Record<string, number> = {}
  for (const row of rows) {
    const label = typeof row.label === 'string' ? row.label : ''
    labelCounts[label] = (labelCounts[label] ?? 0) + 1
  }
  return {
    status: 200,
    body: {
      success: true,
      instances: cols === null ? page : page.map((row) => project(row, cols)),
      instances_found: matched.length,
      total_instances: rows.length,
      label_counts: labelCounts,
      next_token: nextOffset < matched.length ? encodeToken(nextOffset, tokenSecret) : null,
    },
  }
}

function parseSelectFilters(raw: string | null): Filter[] {
  if (raw === null || raw.trim() === '') return []
  const parsed = parseJsonParam('select_filters', raw)
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new QueryError('select_filters must be a JSON object')
  const filters: Filter[] = []
  for (const [field, spec] of Object.entries(parsed as Record<string, unknown>)) {
    if (!FILTERABLE.has(field)) throw new QueryError(`cannot filter on column ${field}`)
    filters.push(...parseFieldFilters(field, spec))
  }
  return filters
}

function parseOrderBy(raw: string | null): [string, 'asc' | 'desc'][] {
  if (raw === null || raw.trim() === '') return [['id', 'asc']]
  const parsed = parseJsonParam('order_by', raw)
  const items = Array.isArray(parsed) ? parsed : [parsed]
  return items.map((item): [string, 'asc' | 'desc'] => {
    if (Array.isArray(item) && typeof item[0] === 'string') return [item[0], String(item[1]).toLowerCase() === 'desc' ? 'desc' : 'asc']
    if (typeof item === 'object' && item !== null && typeof (item as {col?: unknown}).col === 'string') {
      const {col, dir} = item as {col: string; dir?: unknown}
      return [col, String(dir ?? 'asc').toLowerCase() === 'desc' ? 'desc' : 'asc']
    }
    throw new QueryError('order_by must be a list of {"col": ..., "dir": "asc"|"desc"}')
  })
}

function parseSelectCols(raw: string | null): string[] | null {
  if (raw === null || raw.trim() === '') return null
  const parsed = parseJsonParam('select_cols', raw)
  if (!Array.isArray(parsed) || !parsed.every((c) => typeof c === 'string')) throw new QueryError('select_cols must be a JSON list of column names')
  return parsed.includes('*') ? null : (parsed as string[])
}

function parseJsonParam(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown
  } catch {
    throw new QueryError(`${name} is not valid JSON`)
  }
}

function project(row: Record<string, unknown>, cols: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const col of cols) if (col in row) out[col] = row[col]
  return out
}

function invalid(msg: string): ListReply {
  return {status: 400, body: {success: false, error: 'invalid_args', msg}}
}

/** Opaque to clients, but signed so a made-up token is refused like the real API does. */
function encodeToken(offset: number, secret: string): string {
  const payload = Buffer.from(JSON.stringify({o: offset})).toString('base64url')
  return `${payload}.${sign(payload, secret)}`
}

function decodeToken(token: string, secret: string): number | null {
  const [payload, signature, extra] = token.split('.')
  if (!payload || !signature || extra !== undefined) return null
  const expected = Buffer.from(sign(payload, secret))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null
  try {
    const {o} = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {o?: unknown}
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : null
  } catch {
    return null
  }
}

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url').slice(0, 16)
}
