/**
 * WebSocket close codes of the browser terminal. 4000–4999 are for applications (RFC 6455
 * §7.4.2); the last three digits echo the HTTP status a browser user would recognise.
 */
export const TERMINAL_CLOSE = {
  /** The shell exited (or the user typed `exit`). */
  normal: 1000,
  /** The token is unknown, already used or expired. */
  badToken: 4401,
  /** The page was served from another origin than the daemon (cross-site WebSocket). */
  forbiddenOrigin: 4403,
  /** The session is not (or no longer) running. */
  notRunning: 4409,
  /** The daemon could not reach or log in to the instance. */
  sshFailed: 4502,
  /** The daemon is shutting down. */
  goingAway: 1001,
} as const

export const BAD_TOKEN_REASON = 'terminal token already used or expired; mint a fresh one'

/** A close reason may hold at most 123 bytes of UTF-8; longer ones make `ws` throw. */
export function closeReason(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= 123) return text
  // Cut on a character boundary: decoding a truncated multi-byte sequence would grow it again.
  let cut = 120
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut--
  return `${bytes.subarray(0, cut).toString('utf8')}...`
}
