/**
 * Exit codes are part of the CLI's contract: the same with and without --json, so scripts can
 * branch on them without parsing output.
 */
export const EXIT = {
  OK: 0,
  /** A bug or an unexpected failure (the daemon's internal_error too). */
  INTERNAL: 1,
  /** Bad flags or arguments, or a request the server rejected as invalid. */
  USAGE: 2,
  NOT_FOUND: 3,
  /** The thing exists but is in the wrong state (e.g. extending a stopped session), or a reused idempotency key. */
  CONFLICT: 4,
  /** No daemon or server answered, or the daemon would not start. */
  UNREACHABLE: 5,
  /** A marketplace failed, rate-limited us, or the offer went stale; also a session that failed to provision. */
  PROVIDER: 6,
  /** The consumer's budget does not cover it. */
  BUDGET: 7,
  /** The token is missing, wrong or lacks the permission. */
  AUTH: 8,
  /** A --wait or --watch ran past its --timeout; nothing was cancelled. */
  TIMEOUT: 9,
  /** Ctrl-C (128 + SIGINT), as shells report it. */
  INTERRUPTED: 130,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

const BY_ERROR_TYPE: Record<string, ExitCode> = {
  validation_error: EXIT.USAGE,
  usage_error: EXIT.USAGE,
  unauthorized: EXIT.AUTH,
  forbidden: EXIT.AUTH,
  insufficient_balance: EXIT.BUDGET,
  not_found: EXIT.NOT_FOUND,
  conflict: EXIT.CONFLICT,
  sku_unavailable: EXIT.CONFLICT,
  rate_limit_exceeded: EXIT.PROVIDER,
  provider_error: EXIT.PROVIDER,
  stale_inventory: EXIT.PROVIDER,
  session_failed: EXIT.PROVIDER,
  service_unavailable: EXIT.UNREACHABLE,
  daemon_unreachable: EXIT.UNREACHABLE,
  daemon_start_failed: EXIT.UNREACHABLE,
  daemon_not_running: EXIT.UNREACHABLE,
  timeout: EXIT.TIMEOUT,
  interrupted: EXIT.INTERRUPTED,
  internal_error: EXIT.INTERNAL,
}

/** The exit code of an API error: by its error_type, else by its HTTP status class. */
export function exitCodeFor(errorType: string, status?: number): ExitCode {
  const known = BY_ERROR_TYPE[errorType]
  if (known !== undefined) return known
  if (status === undefined) return EXIT.INTERNAL
  if (status === 401 || status === 403) return EXIT.AUTH
  if (status === 404) return EXIT.NOT_FOUND
  if (status === 409) return EXIT.CONFLICT
  if (status >= 400 && status < 500) return EXIT.USAGE
  if (status === 502 || status === 504) return EXIT.PROVIDER
  if (status === 503) return EXIT.UNREACHABLE
  return EXIT.INTERNAL
}
