import {createHash} from 'node:crypto'

import {AppError} from '../core/errors.js'
import type {ServiceContext} from './context.js'
import {canonicalJson} from '../core/canonical-json.js'

export interface StoredResponse {
  statusCode: number
  body: unknown
}

/** A stored first response, with the encrypted secret it had (if any) for the caller to open. */
export interface ReplayedResponse extends StoredResponse {
  sealedSecret: Buffer | null
}

/** sha256 of the request with keys sorted, so the same body in another key order is the same request. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex')
}


/**
 * The first response stored under (scope, key), if the same request was made before.
 * The same key with a different body is a 409: the caller reused a key by mistake.
 */
export function replayIfSeen(ctx: ServiceContext, scope: string, key: string | undefined, hash: string): ReplayedResponse | null {
  if (!key) return null
  const record = ctx.store.idempotency.find(scope, key, ctx.clock.now())
  if (!record) return null
  if (record.requestHash !== hash) {
    throw new AppError('conflict', `idempotency key "${key}" was already used with a different request; use a new key for a new request`, {
      idempotency_key: key,
    })
  }
  return {statusCode: record.statusCode, body: JSON.parse(record.responseBody), sealedSecret: record.sealedSecret}
}

/**
 * Call inside the transaction that performs the request, so the record and the effect commit
 * together. `response` is stored as JSON in plain text: a secret goes in `sealedSecret`,
 * already encrypted, never in the body.
 */
export function rememberResponse(
  ctx: ServiceContext,
  scope: string,
  key: string | undefined,
  hash: string,
  response: StoredResponse,
  resourceId: string | null,
  sealedSecret: Buffer | null = null,
): void {
  if (!key) return
  const now = ctx.clock.now()
  ctx.store.idempotency.save({
    scope,
    key,
    requestHash: hash,
    statusCode: response.statusCode,
    responseBody: JSON.stringify(response.body),
    resourceId,
    createdAt: now,
    expiresAt: now + ctx.timings.idempotencyTtlMs,
    sealedSecret,
  })
}

/**
 * Runs `perform` once per (scope, key): a repeat with the same request gets the first
 * response back, a repeat with another request is a 409. Without a key it just runs.
 */
export function withIdempotency(
  ctx: ServiceContext,
  scope: string,
  key: string | undefined,
  request: unknown,
  perform: () => StoredResponse,
  resourceId: string | null = null,
): StoredResponse {
  const hash = requestHash(request)
  const replay = replayIfSeen(ctx, scope, key, hash)
  if (replay) return replay
  const response = perform()
  rememberResponse(ctx, scope, key, hash, response, resourceId)
  return response
}
