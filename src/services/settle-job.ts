import {asMicroUsd, formatUsd} from '../core/money.js'
import {scrubSecrets} from '../log/logger.js'
import type {Job} from '../store/jobs-repo.js'
import type {ServiceContext} from './context.js'
import {accrueSession, lockLedgerOf} from './ledger-accrual.js'
import {backoffMs, type JobOutcome} from './provision-job.js'
import {recordSessionEvent} from './session-transitions.js'

/** Charges can lag the destroy; after this long without the provider's figure, our estimate stands. */
const SETTLE_GIVE_UP_MS = 24 * 3_600_000

/**
 * After the provider confirmed the destroy: square the session's ledger with what the provider
 * itself charged for the instance, where it publishes per-instance charges. Our running
 * estimate never bills less than the provider (times rounded our way, rates rounded up); the
 * settlement row makes the session cost exactly what was charged. Retried with back-off while
 * the provider's records end before the instance did.
 */
export async function runSettleStep(ctx: ServiceContext, job: Job): Promise<JobOutcome> {
  const session = await ctx.store.sessions.get(job.sessionId ?? '')
  const billing = session ? await ctx.store.billing.get(session.id) : null
  if (!session || !billing || billing.endedAt === null || billing.settledAt !== null) return {done: true}
  await accrueSession(ctx, session, billing.endedAt)

  const adapter = ctx.providers.get(session.provider)
  const now = ctx.clock.now()
  if (!adapter.instanceCharge || !session.providerInstanceId) {
    await ctx.store.billing.settle(session.id, now, null)
    return {done: true}
  }
  try {
    // The provider destroyed the instance no earlier than our last destroy request went out.
    const destroyedNoEarlierThan = Math.min(session.destroyRequestedAt ?? billing.endedAt, billing.endedAt)
    const charge = await adapter.instanceCharge(session.providerInstanceId, {createdAt: billing.storageFrom, endedAt: destroyedNoEarlierThan})
    if (!charge) return await giveUpOrRetry(ctx, job, session.id, billing.endedAt, 'its charges do not cover the whole instance yet')
    const estimate = await ctx.store.transaction(async () => {
      // Read, squared and marked settled in one step: a second settle of the session (another
      // server process) finds it settled instead of adding the difference again.
      await lockLedgerOf(ctx, session.id)
      if ((await ctx.store.billing.get(session.id))?.settledAt !== null) return null
      const ours = await ctx.store.ledger.totalForSession(session.id)
      const difference = charge.amount - ours
      if (difference !== 0) {
        await ctx.store.ledger.append({
          sessionId: session.id,
          consumerId: session.consumerId,
          provider: session.provider,
          gpuType: session.gpuType,
          component: 'settlement',
          periodStart: billing.endedAt!,
          periodEnd: billing.endedAt!,
          pricePerHour: asMicroUsd(0),
          amount: asMicroUsd(difference),
        })
      }
      await ctx.store.billing.settle(session.id, now, charge.amount)
      return ours
    })
    if (estimate === null) return {done: true}
    await recordSessionEvent(ctx, session.id, 'billing', {
      actor: 'billing',
      message: `settled at ${formatUsd(charge.amount, 6)} as charged by ${session.provider} (running estimate ${formatUsd(estimate, 6)})`,
    })
    return {done: true}
  } catch (err) {
    return giveUpOrRetry(ctx, job, session.id, billing.endedAt, scrubSecrets(err instanceof Error ? err.message : String(err)))
  }
}

async function giveUpOrRetry(ctx: ServiceContext, job: Job, sessionId: string, endedAt: number, why: string): Promise<JobOutcome> {
  const now = ctx.clock.now()
  if (now - endedAt < SETTLE_GIVE_UP_MS) {
    const retryInMs = Math.min(ctx.timings.settleRetryMaxMs, Math.max(backoffMs(job.failures + 1, ctx.timings.retryMaxMs), 5_000))
    return {done: false, retryInMs, error: why}
  }
  await ctx.store.billing.settle(sessionId, now, null)
  await recordSessionEvent(ctx, sessionId, 'billing', {
    actor: 'billing',
    message: `the provider's own charge could not be read for ${Math.round(SETTLE_GIVE_UP_MS / 3_600_000)} h (${why}); the ledger keeps its estimate`,
  })
  return {done: true}
}
