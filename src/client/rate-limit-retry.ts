import {parseRetryAfterMs} from '../core/retry-after.js'

/** Something the client tells the user about a request in flight; stderr in the CLI, the status line in the dashboard. */
export interface ClientNotice {
  text: string
  /** How long the client waits before it tries again. */
  waitMs: number
}

export type NoticeSink = (notice: ClientNotice) => void

export interface RateLimitRetryPolicy {
  /** Replays after a 429; the first request is not counted. */
  maxRetries: number
  /** Most time spent waiting in all: a longer wait is the user's call, not the client's. */
  maxTotalWaitMs: number
}

/**
 * Three replays within 30 s: a server refilling at several requests a second lets a command
 * through on the first, and a command that would sit for longer than half a minute should say
 * so and hand the decision back.
 */
export const DEFAULT_RATE_LIMIT_RETRY: RateLimitRetryPolicy = {maxRetries: 3, maxTotalWaitMs: 30_000}

// Without Retry-After: 1 s, 2 s, 4 s, well inside the total.
const FALLBACK_BASE_MS = 1000

export type RateLimitStep = {retry: true; waitMs: number} | {retry: false; waitMs: number}

/**
 * What to do after the `retriesSoFar`-th 429: wait and replay, or give up with the wait the
 * server asked for (to tell the user when to try again). A 429 means the server did nothing,
 * so any method may be replayed.
 */
export function nextRateLimitStep(
  retryAfter: string | null,
  state: {retriesSoFar: number; waitedMs: number; nowMs: number},
  policy: RateLimitRetryPolicy = DEFAULT_RATE_LIMIT_RETRY,
): RateLimitStep {
  const asked = parseRetryAfterMs(retryAfter, state.nowMs)
  const waitMs = asked ?? FALLBACK_BASE_MS * 2 ** state.retriesSoFar
  const retry = state.retriesSoFar < policy.maxRetries && state.waitedMs + waitMs <= policy.maxTotalWaitMs
  return {retry, waitMs}
}

/** "2 s": whole seconds, rounded up, as the user will count them. */
export function formatWait(waitMs: number): string {
  return `${Math.ceil(waitMs / 1000)} s`
}

/** `rate limited by <server>; retrying in 2 s (1/3)` */
export function rateLimitNotice(server: string, waitMs: number, retry: number, policy: RateLimitRetryPolicy = DEFAULT_RATE_LIMIT_RETRY): string {
  return `rate limited by ${server}; retrying in ${formatWait(waitMs)} (${retry}/${policy.maxRetries})`
}

/** The message of the error after the client stopped retrying: that the limit was hit, what was not done, and when to try again. */
export function rateLimitGiveUp(
  server: string,
  step: {waitMs: number; retries: number; nowMs: number},
): {message: string; fix: string; retryAfterSeconds: number} {
  const retryAfterSeconds = Math.max(1, Math.ceil(step.waitMs / 1000))
  const at = new Date(step.nowMs + retryAfterSeconds * 1000).toISOString().slice(11, 19)
  const tried = step.retries === 0 ? '' : ` (still after ${step.retries} ${step.retries === 1 ? 'retry' : 'retries'})`
  return {
    message: `${server} refused the request: its rate limit for your user was hit${tried}. The request was not carried out.`,
    fix: `Try again in ${retryAfterSeconds} s (after ${at} UTC); if this keeps happening, send fewer requests at once or ask the server's admin about the limit.`,
    retryAfterSeconds,
  }
}
