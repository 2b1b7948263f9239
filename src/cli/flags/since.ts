import {flagError} from '../errors.js'

const UNIT_MS: Record<string, number> = {m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000}

/**
 * `--since` as the API wants it (an RFC 3339 time or a date), also accepting a look-back like
 * "6h" or "7d", which is what people type when they ask for a trend.
 */
export function sinceParam(value: string | undefined, now: number): string | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  const relative = /^(\d+)\s*([mhdw])$/i.exec(text)
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase()]!).toISOString()
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return text
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
    // The API wants an explicit offset; a bare local time means local, as a person means it.
    return /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : new Date(text).toISOString()
  }
  throw flagError('since', `must be a look-back like 24h or 7d, a date (YYYY-MM-DD) or a time (RFC 3339) (got "${value}")`)
}
