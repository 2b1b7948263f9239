import {formatUsd} from '../core/money.js'
import {scrubSecrets} from '../log/logger.js'
import type {Job} from '../store/jobs-repo.js'
import type {ServiceContext} from './context.js'
import {recordBillingTerms} from './billing-terms.js'
import {accrueSession} from './ledger-accrual.js'
import {backoffMs, type JobOutcome} from './provision-job.js'
import {recordSessionEvent, transitionSession} from './session-transitions.js'

/**
 * One step of releasing a session that keeps its disk (`storage_policy: preserve`): stop the
 * instance, confirm with the provider that it stopped, then end compute billing there (the
 * disk bills on at the provider's storage rate) and mark the session preserved. Stopping twice
 * is harmless, so a step repeated after a crash is safe.
 */
export async function runPreserveStep(ctx: ServiceContext, job: Job): Promise<JobOutcome> {
  const session = await ctx.store.sessions.get(job.sessionId ?? '')
  if (!session || session.status !== 'stopping' || !session.providerInstanceId) return {done: true}
  const adapter = ctx.providers.get(session.provider)
  const instanceId = session.providerInstanceId
  try {
    await adapter.stopInstance!(instanceId)
    const after = await adapter.getInstance(instanceId)
    if (!after) {
      // Gone instead of stopped: nothing bills any more; the release finds it gone and closes the books.
      await ctx.store.jobs.enqueue('release', session.id, ctx.clock.now(), ctx.clock.now())
      await recordSessionEvent(ctx, session.id, 'preserve_failed', {actor: 'releaser', message: `instance ${instanceId} is gone at ${session.provider}; nothing is left to preserve`})
      return {done: true}
    }
    if (after.state !== 'stopped') {
      await recordSessionEvent(ctx, session.id, 'stop_unverified', {actor: 'releaser', message: `instance ${instanceId} still reported as ${after.state}; asking again`})
      return {done: false, retryInMs: backoffMs(job.failures + 1, ctx.timings.retryMaxMs), error: 'instance not stopped yet'}
    }
    // The provider's answer confirms the stop: compute billing ends no later than now.
    const confirmedAt = ctx.clock.now()
    await recordBillingTerms(ctx, session, after)
    await ctx.store.transaction(async () => {
      await ctx.store.billing.stopCompute(session.id, confirmedAt)
      await accrueSession(ctx, session, confirmedAt)
    })
    const storage = (await ctx.store.billing.get(session.id))?.storagePerHour
    await transitionSession(ctx, session, 'preserved', {apiEndpoint: null}, {
      actor: 'releaser',
      message:
        `preserved: instance ${instanceId} stopped and its ${session.diskGb} GB disk kept` +
        `${storage === undefined ? '' : `, billing ${formatUsd(storage, 6)}/h for storage`}; ` +
        `resume with \`gpu-shopper sessions resume ${session.id}\`, end with \`gpu-shopper sessions destroy ${session.id}\``,
    })
    return {done: true}
  } catch (err) {
    const message = scrubSecrets(err instanceof Error ? err.message : String(err))
    await recordSessionEvent(ctx, session.id, 'stop_retry', {actor: 'releaser', message: `stop did not complete (${message}); retrying`})
    return {done: false, retryInMs: backoffMs(job.failures + 1, ctx.timings.retryMaxMs), error: message}
  }
}
