import {
  InsufficientCreditError,
  ProviderAuthError,
  ProviderError,
  ProviderUnavailableError,
} from '../errors.js'
import {providerMessage, type JsonResponse} from '../http/json-http-client.js'

const PROVIDER = 'vastai'

/**
 * Vast.ai reports a bad key as 401, 403, and on some endpoints 404 `Invalid user key`
 * (or `Session expired` for 2FA sessions), so the status alone is not enough.
 */
export function isVastAuthFailure(response: Pick<JsonResponse, 'status' | 'json' | 'text'>): boolean {
  if (response.status === 401 || response.status === 403) return true
  const message = providerMessage(response) ?? ''
  const code = errorCode(response)
  if (code === 'auth_error') return true
  return response.status === 404 && /invalid user key|session expired/i.test(message)
}

export function isInsufficientCredit(response: Pick<JsonResponse, 'text'>): boolean {
  return /insufficient[ _]?credit/i.test(response.text)
}

/** The error for a reply that says the call failed; `scrub` removes secrets from provider text. */
export function vastErrorFor(
  response: JsonResponse,
  where: string,
  scrub: (text: string) => string,
): ProviderError {
  const message = scrub(providerMessage(response) ?? 'no message')
  const detail = `${PROVIDER}: ${where} → HTTP ${response.status}: ${message}`
  if (isVastAuthFailure(response)) return new ProviderAuthError(PROVIDER, `the provider rejected the API key (${detail})`)
  if (isInsufficientCredit(response)) return new InsufficientCreditError(PROVIDER, detail)
  if (response.status >= 500) return new ProviderUnavailableError(PROVIDER, detail, response.status)
  return new ProviderError(PROVIDER, detail, false, response.status)
}

export function errorCode(response: Pick<JsonResponse, 'json'>): string | null {
  const body = response.json
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null
  const code = (body as Record<string, unknown>).error
  return typeof code === 'string' ? code : null
}
