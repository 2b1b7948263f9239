/**
 * When a stored access token must be renewed. A command may take seconds between reading the
 * token and the server checking it, and the server allows only a small clock skew: renewing a
 * minute early means a request never carries a token that expires on the way.
 */
export const REFRESH_MARGIN_MS = 60_000

/** Epoch ms at which a token given `expires_in` seconds at `now` expires; null when the IdP did not say. */
export function expiresAtFrom(expiresInSec: number | undefined, now: number): number | null {
  return typeof expiresInSec === 'number' && Number.isFinite(expiresInSec) && expiresInSec > 0 ? now + expiresInSec * 1000 : null
}

/**
 * True when the token should be refreshed before use. A token of unknown lifetime (a pasted
 * `--with-token`, or an IdP that sends no expires_in) is used as it is: the server is the judge.
 */
export function needsRefresh(expiresAt: number | null, now: number, marginMs = REFRESH_MARGIN_MS): boolean {
  return expiresAt !== null && expiresAt - now < marginMs
}

/** Whole seconds left (negative once expired), for `auth status`; null when unknown. */
export function secondsLeft(expiresAt: number | null, now: number): number | null {
  return expiresAt === null ? null : Math.floor((expiresAt - now) / 1000)
}

/** "in 4 min", "in 2 h 5 min", "expired 3 min ago": how long a token has, for a person. */
export function describeExpiry(expiresAt: number | null, now: number): string {
  if (expiresAt === null) return 'unknown (the server decides)'
  const left = expiresAt - now
  const span = humanSpan(Math.abs(left))
  return left >= 0 ? `in ${span}` : `expired ${span} ago`
}

function humanSpan(ms: number): string {
  const sec = Math.round(ms / 1000)
  if (sec < 60) return `${sec} s`
  const min = Math.floor(sec / 60)
  if (min < 60) return `${min} min`
  const hours = Math.floor(min / 60)
  return min % 60 ? `${hours} h ${min % 60} min` : `${hours} h`
}
