import {asMicroUsd} from '../core/money.js'
import type {ProviderInstance} from '../providers/provider.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'

/**
 * Records how the provider bills the session's instance, as its latest reply says. A provider
 * that dates nothing (TensorDock) is taken to have created the instance when our create went
 * out: never later than its own time, so the ledger never bills less than the provider.
 */
export async function recordBillingTerms(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance): Promise<void> {
  const terms = instance.billing
  if (!terms) return
  const createdAt = terms.createdAt ?? session.createAttemptedAt ?? session.createdAt
  const computeFrom = terms.computeFromCreate ? createdAt : terms.runningSince
  await whileTermsLocked(ctx, session.id, async () => {
    // Called on every status poll: write only what the provider's reply changes.
    const known = await ctx.store.billing.get(session.id)
    if (known?.computeUntil != null) {
      // A preserved instance runs again once the provider reports a boot after the stop: compute
      // bills from that start, or from the resume request if earlier (it cannot start before being asked).
      const rebooted = session.resumedAt != null && terms.runningSince !== null && terms.runningSince >= known.computeUntil
      if (rebooted) await ctx.store.billing.resumeCompute(session.id, Math.min(terms.runningSince!, session.resumedAt!))
      return
    }
    const unchanged =
      known !== null &&
      known.storagePerHour === terms.storagePerHour &&
      known.computePerHour === terms.computePerHour &&
      (known.computeFrom !== null || computeFrom === null)
    if (unchanged) return
    await ctx.store.billing.record({sessionId: session.id, storageFrom: createdAt, storagePerHour: terms.storagePerHour, computeFrom, computePerHour: terms.computePerHour})
  })
}

/**
 * An instance is being destroyed before any reply told us its terms (released straight after
 * the create, or adopted after a crash): bill it from when the create went out at the price it
 * was rented for, all of it as compute. The provider's own charge settles the difference later.
 */
export async function recordFallbackBillingTerms(ctx: ServiceContext, session: StoredSession): Promise<void> {
  await whileTermsLocked(ctx, session.id, async () => {
    if (await ctx.store.billing.get(session.id)) return
    const createdAt = session.createAttemptedAt ?? session.createdAt
    await ctx.store.billing.record({
      sessionId: session.id,
      storageFrom: createdAt,
      storagePerHour: asMicroUsd(0),
      computeFrom: createdAt,
      computePerHour: session.pricePerHour,
    })
  })
}

/**
 * Reads and writes a session's terms as one step. The provisioner's poll and the releaser's
 * fallback can run at once (in two server processes on PostgreSQL): without the lock the
 * fallback could overwrite the terms the provider had just reported.
 */
function whileTermsLocked(ctx: ServiceContext, sessionId: string, fn: () => Promise<void>): Promise<void> {
  return ctx.store.transaction(async () => {
    await ctx.store.db.lockKey(`billing:${sessionId}`)
    await fn()
  })
}
