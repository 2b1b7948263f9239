/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; null when
 * absent or unreadable, and the caller falls back to its own backoff (Vast.ai never sends one).
 * Read by the provider clients and by the CLI's client of a team server alike.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | null {
  if (header === null || header === undefined) return null
  const text = header.trim()
  if (text === '') return null
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000)
  // HTTP dates always carry a day or month name; this keeps "-1" from parsing as a year.
  if (!/[a-z]/i.test(text)) return null
  const date = Date.parse(text)
  if (Number.isNaN(date)) return null
  return Math.max(0, date - nowMs)
}
