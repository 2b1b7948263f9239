/**
 * What can go wrong talking to the daemon, as values the CLI maps to exit codes and fixes.
 * Kept free of zod and of the CLI so the TUI can reuse them.
 */

/** The daemon (or team server) answered with an error body `{error, error_type, request_id, ...}`. */
export class ApiError extends Error {
  readonly status: number
  readonly errorType: string
  readonly requestId: string | null
  /** Extra fields of the error body (`offer_id`, `field`, `retry_suggested`, ...). */
  readonly details: Record<string, unknown>
  /** Seconds from `Retry-After`, when the server sent one. */
  readonly retryAfterSeconds: number | null
  /**
   * What the user can do about it, when a caller on the way up knows better than the generic fix
   * for the error type (a not_found of a session names the command that lists them).
   */
  fix: string | undefined

  constructor(init: {
    status: number
    errorType: string
    message: string
    requestId?: string | null
    details?: Record<string, unknown>
    retryAfterSeconds?: number | null
    fix?: string
  }) {
    super(init.message)
    this.name = 'ApiError'
    this.status = init.status
    this.errorType = init.errorType
    this.requestId = init.requestId ?? null
    this.details = init.details ?? {}
    this.retryAfterSeconds = init.retryAfterSeconds ?? null
    this.fix = init.fix
  }
}

/** Nothing answered at the URL: refused, reset, unresolvable, or no reply before the deadline. */
export class DaemonUnreachableError extends Error {
  readonly url: string
  readonly reason: 'refused' | 'timeout' | 'network'
  readonly fix: string
  /** True when the request may have reached the server before the connection broke. */
  readonly maybeDelivered: boolean

  constructor(init: {url: string; reason: 'refused' | 'timeout' | 'network'; message: string; fix: string; maybeDelivered: boolean}) {
    super(init.message)
    this.name = 'DaemonUnreachableError'
    this.url = init.url
    this.reason = init.reason
    this.fix = init.fix
    this.maybeDelivered = init.maybeDelivered
  }
}

/** The daemon could not be started (or did not become healthy in time); carries its log's tail. */
export class DaemonStartError extends Error {
  readonly logFile: string
  readonly logTail: string[]
  readonly fix: string

  constructor(init: {message: string; logFile: string; logTail: string[]; fix: string}) {
    super(init.message)
    this.name = 'DaemonStartError'
    this.logFile = init.logFile
    this.logTail = init.logTail
    this.fix = init.fix
  }
}

/** The server does not offer a Server-Sent Events stream here; the caller falls back to polling. */
export class StreamUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StreamUnavailableError'
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError'
}
