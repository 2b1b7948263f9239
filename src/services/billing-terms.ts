import {asMicroUsd} from '../core/money.js'
import type {ProviderInstance} from '../providers/provider.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'

/**
 * Records how the provider bills the session's instance, as its latest reply says. A provider
 * that dates nothing (TensorDock) is taken to have created the instance when our create went
 * out: never later than its own time, so the ledger never bills less than the provider.
 */
export function recordBillingTerms(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance): void {
  const terms = instance.billing
  if (!terms) return
  const createdAt = terms.createdAt ?? session.createAttemptedAt ?? session.createdAt
  const computeFrom = terms.computeFromCreate ? createdAt : terms.runningSince
  // Called on every status poll: write only what the provider's reply changes.
  const known = ctx.store.billing.get(session.id)
  const unchanged =
    known !== null &&
    known.storagePerHour === terms.storagePerHour &&
    known.computePerHour === terms.computePerHour &&
    (known.computeFrom !== null || computeFrom === null)
  if (unchanged) return
  ctx.store.billing.record({sessionId: session.id, storageFrom: createdAt, storagePerHour: terms.storagePerHour, computeFrom, computePerHour: terms.computePerHour})
}

/**
 * An instance is being destroyed before any reply told us its terms (released straight after
 * the create, or adopted after a crash): bill it from when the create went out at the price it
 * was rented for, all of it as compute. The provider's own charge settles the difference later.
 */
export function recordFallbackBillingTerms(ctx: ServiceContext, session: StoredSession): void {
  if (ctx.store.billing.get(session.id)) return
  const createdAt = session.createAttemptedAt ?? session.createdAt
  ctx.store.billing.record({
    sessionId: session.id,
    storageFrom: createdAt,
    storagePerHour: asMicroUsd(0),
    computeFrom: createdAt,
    computePerHour: session.pricePerHour,
  })
}
