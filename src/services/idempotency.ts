import {createHash} from 'node:crypto'

import {LOCAL_TENANT} from '../auth/principal.js'
import {canonicalJson} from '../core/canonical-json.js'
import {AppError} from '../core/errors.js'
import type {ServiceContext} from './context.js'

/**
 * The client's idempotency key (if it sent one) and what identifies its request: the same key
 * with the same fingerprint is a retry, with another fingerprint a mistake.
 */
export interface IdempotentRequest {
  key: string | undefined
  fingerprint: unknown
}

/** A first result seen again: what the operation returned, and the secret sealed beside it. */
export interface Replay<T> {
  /** null for a record kept from before results were stored: only `resourceId` is known. */
  result: T | null
  resourceId: string | null
  sealedSecret: Buffer | null
}

/**
 * Keys are the caller's own: two users (or tenants) choosing the same key never see each
 * other's results. The solo daemon's scope stays the bare operation, as records before tenancy.
 */
function keyScope(ctx: ServiceContext, operation: string): string {
  const principal = ctx.principal
  return !principal || principal.tenant === LOCAL_TENANT ? operation : `${principal.tenant}/${principal.user}:${operation}`
}

/** sha256 of the request with keys sorted, so the same body in another key order is the same request. */
function requestHash(fingerprint: unknown): string {
  return createHash('sha256').update(canonicalJson(fingerprint)).digest('hex')
}

/**
 * The first result of `operation` under the request's key, if the same request was made before.
 * The same key with a different request is a conflict: the caller reused a key by mistake.
 *
 * Call inside the transaction that performs the operation: it holds the key until that commits,
 * so a concurrent retry (another server process included) waits and then replays the first
 * result instead of performing the operation twice.
 */
export async function replayIfSeen<T>(ctx: ServiceContext, operation: string, request: IdempotentRequest): Promise<Replay<T> | null> {
  if (!request.key) return null
  const scope = keyScope(ctx, operation)
  await ctx.store.db.lockKey(`idempotency:${scope}:${request.key}`)
  const record = await ctx.store.idempotency.find(scope, request.key, ctx.clock.now())
  if (!record) return null
  if (record.requestHash !== requestHash(request.fingerprint)) {
    throw new AppError('conflict', `idempotency key "${request.key}" was already used with a different request; use a new key for a new request`, {
      idempotency_key: request.key,
    })
  }
  return {result: record.result === null ? null : (JSON.parse(record.result) as T), resourceId: record.resourceId, sealedSecret: record.sealedSecret}
}

/**
 * Call inside the transaction that performs the operation, so the record and the effect commit
 * together. `result` is stored as JSON in plain text: a secret goes in `sealedSecret`, already
 * encrypted, never in the result.
 */
export async function rememberResult(
  ctx: ServiceContext,
  operation: string,
  request: IdempotentRequest,
  result: unknown,
  resourceId: string | null,
  sealedSecret: Buffer | null = null,
): Promise<void> {
  if (!request.key) return
  const now = ctx.clock.now()
  await ctx.store.idempotency.save({
    scope: keyScope(ctx, operation),
    key: request.key,
    requestHash: requestHash(request.fingerprint),
    result: JSON.stringify(result),
    resourceId,
    createdAt: now,
    expiresAt: now + ctx.timings.idempotencyTtlMs,
    sealedSecret,
  })
}

/**
 * Runs `perform` once per (operation, key): a repeat of the same request gets the first result
 * back, a repeat with another request is a conflict. Without a key it just runs. `perform` runs
 * inside the transaction, so it may only wait for the database.
 */
export async function oncePerKey<T>(
  ctx: ServiceContext,
  operation: string,
  request: IdempotentRequest,
  perform: () => Promise<T>,
  resourceIdOf: (result: T) => string | null,
): Promise<T> {
  return ctx.store.transaction(async () => {
    const replay = await replayIfSeen<T>(ctx, operation, request)
    if (replay?.result) return replay.result
    const result = await perform()
    await rememberResult(ctx, operation, request, result, resourceIdOf(result))
    return result
  })
}
