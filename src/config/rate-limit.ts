import {ENV, readEnv} from './env.js'

/** A team server's per-user limit: `requestsPerSecond` on average, `burst` back to back. */
export interface RateLimitConfig {
  requestsPerSecond: number
  burst: number
}

/**
 * A team server's defaults. A dashboard polls a few endpoints every few seconds and a script
 * loop rarely needs more than a handful a second; 20/s stops a runaway loop without anyone
 * noticing the limit otherwise. The burst is three seconds' worth, enough for a command that
 * fans out (a `sessions` listing then one `get` per row).
 */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = {requestsPerSecond: 20, burst: 60}

// Seconds' worth of requests a burst holds when only the rate is given.
const BURST_SECONDS = DEFAULT_RATE_LIMIT.burst / DEFAULT_RATE_LIMIT.requestsPerSecond

export const MAX_REQUESTS_PER_SECOND = 100_000
export const MAX_BURST = 1_000_000

export const RATE_LIMIT_FLAG = '--rate-limit'
export const RATE_LIMIT_BURST_FLAG = '--rate-limit-burst'

/** Where a value came from, named in the error so the user fixes the right one. */
export type RateLimitSource = typeof RATE_LIMIT_FLAG | typeof RATE_LIMIT_BURST_FLAG | typeof ENV.rateLimit | typeof ENV.rateLimitBurst

/** Requests a second, 0 (off) or a positive number (0.5 is one every two seconds). */
export function parseRequestsPerSecond(raw: string | number, source: RateLimitSource): number {
  const text = String(raw).trim()
  const value = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isFinite(value) || value > MAX_REQUESTS_PER_SECOND) {
    throw new Error(`${source} must be requests per second per user, 0 (no limit) or a number up to ${MAX_REQUESTS_PER_SECOND} such as 20 or 0.5, got "${raw}"`)
  }
  return value
}

/** Requests a user may send back to back: a whole number from 1. */
export function parseBurst(raw: string | number, source: RateLimitSource): number {
  const text = String(raw).trim()
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_BURST) {
    throw new Error(`${source} must be a whole number of requests from 1 to ${MAX_BURST}, got "${raw}"`)
  }
  return value
}

export interface RateLimitInput {
  /** `--rate-limit`; wins over GPU_SHOPPER_RATE_LIMIT. */
  requestsPerSecond?: string | number
  /** `--rate-limit-burst`; wins over GPU_SHOPPER_RATE_LIMIT_BURST. */
  burst?: string | number
}

/**
 * The server's rate limit from its flags, else its environment, else the defaults; null when
 * the rate is 0 (off). A rate without a burst gets three seconds' worth, so `--rate-limit 100`
 * alone does not leave a burst smaller than one second of traffic.
 */
export function resolveRateLimit(input: RateLimitInput = {}, env: NodeJS.ProcessEnv = process.env): RateLimitConfig | null {
  const rawRate = input.requestsPerSecond ?? readEnv(ENV.rateLimit, env)
  const rateSource: RateLimitSource = input.requestsPerSecond !== undefined ? RATE_LIMIT_FLAG : ENV.rateLimit
  const rawBurst = input.burst ?? readEnv(ENV.rateLimitBurst, env)
  const burstSource: RateLimitSource = input.burst !== undefined ? RATE_LIMIT_BURST_FLAG : ENV.rateLimitBurst
  const requestsPerSecond = rawRate === undefined ? DEFAULT_RATE_LIMIT.requestsPerSecond : parseRequestsPerSecond(rawRate, rateSource)
  // A burst is checked even when the limit is off, so a typo is found before it matters.
  const givenBurst = rawBurst === undefined ? undefined : parseBurst(rawBurst, burstSource)
  if (requestsPerSecond === 0) return null
  const burst = givenBurst ?? Math.min(MAX_BURST, Math.max(1, Math.ceil(requestsPerSecond * BURST_SECONDS)))
  return {requestsPerSecond, burst}
}
