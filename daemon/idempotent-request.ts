import type {IdempotentRequest} from '../src/services/idempotency.js'

/** `X-Idempotency-Key` as one trimmed string, or undefined when absent or blank. */
function headerKey(header: unknown): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/**
 * A create's key (the header, else `idempotency_key` in the body) and its fingerprint: the body
 * without the key, so a retry that moves the key from body to header is the same request.
 */
export function idempotentCreate(headers: Record<string, unknown>, body: object): IdempotentRequest {
  const {idempotency_key: bodyKey, ...fingerprint} = body as {idempotency_key?: string}
  return {key: headerKey(headers['x-idempotency-key']) ?? bodyKey, fingerprint}
}

/** An action on one resource: keyed by the header alone; the resource id (and the body, if any) its fingerprint. */
export function idempotentAction(headers: Record<string, unknown>, id: string, body: object = {}): IdempotentRequest {
  return {key: headerKey(headers['x-idempotency-key']), fingerprint: {...body, id}}
}
