import {
  InsufficientCreditError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
  RateLimitedError,
  StaleInventoryError,
} from '../errors.js'
import type {JsonResponse} from '../http/json-http-client.js'

const PROVIDER = 'tensordock'
const MAX_MESSAGE = 300

/** A failure a TensorDock reply reports, whatever its HTTP status. */
export interface TensorDockFailure {
  /** The HTTP status, or the `status` inside an HTTP-200 error body. */
  status: number
  message: string
}

/**
 * The failure a reply carries, or null for a success. TensorDock answers some failures with
 * HTTP 200 and `{"status":400,"error":"No available nodes found"}` (live), so every 2xx
 * body is checked for an `error` or a `status` ≥ 400 as well.
 */
export function replyFailure(res: Pick<JsonResponse, 'status' | 'json' | 'text'>): TensorDockFailure | null {
  if (res.status >= 400) return {status: res.status, message: errorText(res.json, res.text)}
  const body = res.json
  if (Array.isArray(body) && body.length > 0 && body.every(isValidationIssue)) return {status: 400, message: errorText(body, res.text)}
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null
  const record = body as Record<string, unknown>
  const inner = typeof record.status === 'string' ? Number(record.status) : record.status
  const bodyStatus = typeof inner === 'number' && Number.isInteger(inner) && inner >= 400 ? inner : null
  const hasError = (typeof record.error === 'string' && record.error.trim() !== '') || (record.error !== null && typeof record.error === 'object')
  // The v0 API (and maybe stray v2 paths) says `success:false` with HTTP 200.
  if (bodyStatus === null && !hasError && record.success !== false) return null
  return {status: bodyStatus ?? 400, message: errorText(body, res.text)}
}

/**
 * One line from any error body seen: `{"error":"..."}`, `{"error":{"message":...}}`,
 * `message`/`detail`, and validation arrays `[{code,message,path}]` joined into one message.
 */
export function errorText(body: unknown, text: string): string {
  const issues = Array.isArray(body) ? body : body !== null && typeof body === 'object' ? (body as Record<string, unknown>).errors : undefined
  if (Array.isArray(issues) && issues.length > 0) {
    const joined = issues.map(issueText).filter((t) => t !== '').join('; ')
    if (joined !== '') return clip(joined)
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>
    for (const key of ['error', 'message', 'msg', 'detail']) {
      const value = record[key]
      if (typeof value === 'string' && value.trim() !== '') return clip(value.trim())
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const nested = (value as Record<string, unknown>).message
        if (typeof nested === 'string' && nested.trim() !== '') return clip(nested.trim())
      }
    }
  }
  const trimmed = text.trim()
  return trimmed === '' ? 'no message' : clip(trimmed)
}

const STALE_INVENTORY = /no available nodes|no available public ips|insufficient capacity|out of stock|hostnode unavailable/i
const INSUFFICIENT_CREDIT = /insufficient (?:funds|balance|credits?)|\bbalance\b|add funds/i
const AUTH_FAILURE = /auth issue|invalid api (?:credentials|token|key)|unauthori[sz]ed|invalid token/i

export interface FailureContext {
  /** `METHOD path`, for the message. */
  where: string
  scrub: (text: string) => string
  /** Set for a create: inventory errors then name the offer and say nothing was created. */
  offerProviderId?: string
}

/** The typed error for a failure; `scrub` removes secrets from provider text. */
export function tensorDockErrorFor(failure: TensorDockFailure, context: FailureContext): ProviderError {
  const message = context.scrub(failure.message)
  const detail = `${PROVIDER}: ${context.where} → HTTP ${failure.status}: ${message}`
  const creating = context.offerProviderId !== undefined
  const notCreated = creating ? '; no instance was created' : ''
  if (failure.status === 401 || failure.status === 403 || (failure.status < 500 && AUTH_FAILURE.test(message))) {
    return new ProviderAuthError(PROVIDER, `the provider rejected the API token (${detail})${notCreated}`)
  }
  if (failure.status === 429) return new RateLimitedError(PROVIDER, null, `${detail}${notCreated}`)
  if (failure.status >= 500) return new ProviderUnavailableError(PROVIDER, `${detail}; the outcome is unknown`, failure.status)
  if (INSUFFICIENT_CREDIT.test(message)) return new InsufficientCreditError(PROVIDER, `${detail}${notCreated}`)
  if (context.offerProviderId !== undefined && STALE_INVENTORY.test(message)) {
    return new StaleInventoryError(PROVIDER, context.offerProviderId, `tensordock: offer ${context.offerProviderId} is no longer available (${message})${notCreated}`)
  }
  return new ProviderError(PROVIDER, `${detail}${notCreated}`, false, failure.status)
}

function isValidationIssue(item: unknown): boolean {
  return item !== null && typeof item === 'object' && typeof (item as Record<string, unknown>).message === 'string'
}

function issueText(item: unknown): string {
  if (typeof item === 'string') return item.trim()
  if (item === null || typeof item !== 'object') return ''
  const record = item as Record<string, unknown>
  const message = typeof record.message === 'string' ? record.message.trim() : ''
  const path = Array.isArray(record.path) ? record.path.map(String).join('.') : typeof record.path === 'string' ? record.path : ''
  if (message === '') return ''
  return path === '' ? message : `${path}: ${message}`
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length > MAX_MESSAGE ? `${oneLine.slice(0, MAX_MESSAGE)}…` : oneLine
}
