/**
 * Auto-retry on create (issue 16, item 3): when the rented host fails to boot, or does not let
 * us in over SSH within the session's SSH timeout, the failed try is destroyed (and verified
 * gone) and a new session takes its place on the next best comparable offer. Each try is its
 * own session, with its own instance, label, billing and settlement, chained by `retry_of` /
 * `retried_as`: what a failed host was charged stays on the books, and nothing is ever adopted
 * by the wrong try.
 */
export const RETRY_SCOPES = ['same-gpu-type', 'same-price-band', 'any'] as const
/**
 * Which offers count as comparable to the one that failed, all with the same GPU count and at
 * least its VRAM per GPU: the same GPU model; any model within PRICE_BAND of its price; any model.
 */
export type RetryScope = (typeof RETRY_SCOPES)[number]

export const DEFAULT_MAX_RETRIES = 2
export const MAX_RETRIES_LIMIT = 5
/** `same-price-band`: up to this much dearer per hour than the offer that failed. */
export const PRICE_BAND = 0.25

export interface RetryTerms {
  /** Tries after the first; 0: no auto-retry. */
  maxRetries: number
  scope: RetryScope
  /** How long a host has, from its session's create, to let us in over SSH; null: the provisioning timeout. */
  sshTimeoutMs: number | null
}

export const NO_RETRY: RetryTerms = {maxRetries: 0, scope: 'same-gpu-type', sshTimeoutMs: null}

/** What the next try's offer must satisfy, from the offer that failed. */
export interface ComparableFilter {
  /** Lower-cased canonical model, or null for any model. */
  gpuTypeKey: string | null
  gpuCount: number
  minVramGb: number
  maxPricePerHour: number | null
}

export function comparableFilter(scope: RetryScope, failed: {gpuType: string; gpuCount: number; vramGb: number; pricePerHour: number}): ComparableFilter {
  return {
    gpuTypeKey: scope === 'same-gpu-type' ? failed.gpuType.toLowerCase() : null,
    gpuCount: failed.gpuCount,
    minVramGb: failed.vramGb,
    maxPricePerHour: scope === 'same-price-band' ? Math.floor(failed.pricePerHour * (1 + PRICE_BAND)) : null,
  }
}

/** What a create asked for, before defaults. */
export interface RetryRequest {
  autoRetry: boolean
  maxRetries: number | null
  scope: RetryScope | null
  sshTimeoutSeconds: number | null
}

/** The terms, or which field is wrong: retry settings without auto-retry say nothing and are refused. */
export function resolveRetryTerms(request: RetryRequest): RetryTerms | {problem: {field: string; message: string}} {
  if (!request.autoRetry) {
    if (request.maxRetries !== null) return {problem: {field: 'max_retries', message: 'only goes with auto_retry; add auto_retry: true (--auto-retry)'}}
    if (request.scope !== null) return {problem: {field: 'retry_scope', message: 'only goes with auto_retry; add auto_retry: true (--auto-retry)'}}
  }
  return {
    maxRetries: request.autoRetry ? (request.maxRetries ?? DEFAULT_MAX_RETRIES) : 0,
    scope: request.scope ?? NO_RETRY.scope,
    sshTimeoutMs: request.sshTimeoutSeconds === null ? null : request.sshTimeoutSeconds * 1000,
  }
}
