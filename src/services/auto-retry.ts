import {LOCAL_TENANT} from '../auth/principal.js'
import {comparableFilter, NO_RETRY, type ComparableFilter} from '../core/auto-retry.js'
import {AppError} from '../core/errors.js'
import {asMicroUsd, costForDuration, formatUsd} from '../core/money.js'
import {priceForDisk} from '../core/offer-quote.js'
import type {SpecFilter} from '../store/offers-repo.js'
import type {StoredSession} from '../store/sessions-repo.js'
import {assertWithinBudget} from './budget-service.js'
import type {ServiceContext} from './context.js'
import {reserveNodeSlots} from './node-slots.js'
import {bestHealthyOffer} from './offer-health.js'
import {heldOfferIds, lockBudgetOf, lockOfferHolds, newSessionId, providersAbleToRun, unprovisionedState} from './session-service.js'
import {recordSessionEvent} from './session-transitions.js'
import {openWorkloadEnv, sealWorkloadEnv} from './workload-env.js'

export type RetryDecision = {retry: StoredSession} | {notRetried: string | null}

/**
 * A host failed the session (core/auto-retry.ts): when its auto-retry terms allow another try,
 * a new session takes its place on the next best comparable offer, in the same transaction as
 * the failure, so a crash leaves either the failure and its successor or neither. The successor
 * has its own instance label, billing and provision job; the failed try is destroyed by its own
 * release. Returns the successor, or why there is none (null: no retry was asked for).
 * Call inside a transaction.
 */
export async function retryOnAnotherHost(ctx: ServiceContext, failed: StoredSession, why: string): Promise<RetryDecision> {
  const terms = failed.retry
  const attempt = failed.retryAttempt ?? 0
  if (!terms || terms.maxRetries === 0) return {notRetried: null}
  if (failed.retriedAs) {
    const existing = await ctx.store.sessions.get(failed.retriedAs)
    if (existing) return {retry: existing}
  }
  if (attempt >= terms.maxRetries) return {notRetried: `no retries left (${terms.maxRetries} allowed)`}

  // Picked and taken in one step, as a create does: no other session gets the same machine.
  await lockOfferHolds(ctx)
  const next = await bestHealthyOffer(ctx, await nextOfferFilter(ctx, failed, await chainOf(ctx, failed)))
  if (!next) return {notRetried: `no comparable offer is left (${wantedAs(terms.scope, failed)}, not on a host already tried or cooling down)`}

  const pricePerHour = priceForDisk(next, failed.diskGb)
  await lockBudgetOf(ctx, failed.consumerId)
  try {
    await assertWithinBudget(ctx, failed.consumerId, costForDuration(pricePerHour, failed.reservationHours * 3_600_000), `a retry on ${next.id}`)
  } catch (err) {
    if (err instanceof AppError) return {notRetried: err.message}
    throw err
  }

  const now = ctx.clock.now()
  const id = newSessionId()
  const successor: StoredSession = {
    ...failed,
    ...unprovisionedState(now, failed.reservationHours),
    id,
    provider: next.provider,
    offerId: next.id,
    offerProviderId: next.providerId,
    gpuType: next.gpuType,
    gpuCount: next.gpuCount,
    pricePerHour,
    // Sealed to the session it belongs to: opened from the failed try and sealed again to this one.
    launchEnvSealed: failed.launchEnvSealed ? sealWorkloadEnv(ctx, id, openWorkloadEnv(ctx, failed)) : null,
    hostId: next.hostId ?? null,
    retryOf: failed.id,
    retryAttempt: attempt + 1,
  }
  await ctx.store.sessions.insert(successor)
  await reserveNodeSlots(ctx, id, next)
  await ctx.store.sessions.update(failed.id, [failed.status], {retriedAs: id}, now)
  const event = await ctx.store.events.append({
    sessionId: id,
    at: now,
    type: 'status',
    fromStatus: null,
    toStatus: 'pending',
    actor: 'provisioner',
    message: `retry ${attempt + 1} of ${terms.maxRetries} of ${failed.id}, whose host failed (${why}): ${next.gpuCount}x ${next.gpuType} on ${next.id} at ${formatUsd(pricePerHour, 4)}/h`,
  })
  ctx.events.publish(event)
  await ctx.store.jobs.enqueue('provision', id, now, now)
  await recordSessionEvent(ctx, failed.id, 'retry', {
    actor: 'provisioner',
    message: `auto-retry ${attempt + 1} of ${terms.maxRetries}: ${id} takes this session's place on ${next.id} (${next.gpuCount}x ${next.gpuType} at ${formatUsd(pricePerHour, 4)}/h); this host's instance is destroyed`,
  })
  return {retry: successor}
}

/**
 * What the next offer for a session must match: its spec when it was provisioned by one, else
 * what its retry scope calls comparable to the offer it failed on; never an offer or machine
 * the tries in `chain` were on, one a live session holds, or one of another tenant's nodes.
 */
export async function nextOfferFilter(ctx: ServiceContext, session: StoredSession, chain: readonly StoredSession[]): Promise<SpecFilter> {
  const failedOffer = await ctx.store.offers.get(session.offerId)
  const comparable: ComparableFilter = session.spec
    ? {gpuTypeKey: session.spec.gpuTypeKey, gpuCount: session.spec.gpuCount, minVramGb: 0, maxPricePerHour: session.spec.maxPricePerHour}
    : comparableFilter(session.retry?.scope ?? NO_RETRY.scope, {
        gpuType: session.gpuType,
        gpuCount: session.gpuCount,
        vramGb: failedOffer?.vramGb ?? 0,
        pricePerHour: failedOffer?.pricePerHour ?? session.pricePerHour,
      })
  // A Vast.ai template, or an image named for one provider (a container, or TensorDock's OS image), is that provider's: its retries stay there.
  const able = providersAbleToRun(ctx, session.launch ?? null, session.storagePolicy)
  const ownProviderOnly = session.templateHashId !== null || (session.launch?.image ?? null) !== null
  return {
    gpuTypeKey: comparable.gpuTypeKey,
    gpuCount: comparable.gpuCount,
    minVramGb: comparable.minVramGb,
    maxPricePerHour: comparable.maxPricePerHour === null ? null : asMicroUsd(comparable.maxPricePerHour),
    region: session.spec?.region ?? null,
    countryCode: session.spec?.countryCode ?? null,
    minReliability: session.spec?.minReliability ?? 0,
    excludeIds: [...(await heldOfferIds(ctx)), ...chain.map((s) => s.offerId)],
    excludeHostIds: chain.flatMap((s) => (s.hostId ? [s.hostId] : [])),
    providers: ownProviderOnly ? able.filter((p) => p === session.provider) : able,
    // A template's needs are not kept with the session: at least the driver of the offer it was accepted on.
    minCudaVersion: session.templateHashId ? (failedOffer?.cudaVersion ?? null) : null,
    visibleTo: session.tenantId && session.tenantId !== LOCAL_TENANT ? session.tenantId : undefined,
  }
}

/** The failed try and every try before it, newest first. */
async function chainOf(ctx: ServiceContext, last: StoredSession): Promise<StoredSession[]> {
  const chain = [last]
  let current = last
  while (current.retryOf) {
    const previous = await ctx.store.sessions.get(current.retryOf)
    if (!previous) break
    chain.push(previous)
    current = previous
  }
  return chain
}

/** What a retry looked for, in words. */
function wantedAs(scope: string, failed: StoredSession): string {
  if (failed.spec) return `${failed.spec.gpuCount}x ${failed.spec.sku} as specified`
  return `${scope}: ${failed.gpuCount}x ${scope === 'same-gpu-type' ? failed.gpuType : 'GPU'}`
}
