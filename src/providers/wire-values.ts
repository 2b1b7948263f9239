/**
 * Coercions for providers' JSON, which carries numbers as strings ("0.45"), blanks for
 * nothing, and ids as numbers or strings. Used as zod `preprocess` steps by the wire schemas.
 */
export function looseNumberValue(v: unknown): unknown {
  if (typeof v === 'string') {
    const t = v.trim()
    if (t === '') return null
    const n = Number(t)
    return Number.isFinite(n) ? n : v
  }
  return v
}

export function looseStringValue(v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : v
}
