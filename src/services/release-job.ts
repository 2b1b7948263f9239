import {instanceLabel} from '../core/instance-label.js'
import {scrubSecrets} from '../log/logger.js'
import {ProviderError, RateLimitedError} from '../providers/errors.js'
import type {ProviderAdapter} from '../providers/provider.js'
import type {Job} from '../store/jobs-repo.js'
import type {ServiceContext} from './context.js'
import type {StoredSession} from '../store/sessions-repo.js'
import {recordBillingTerms, recordFallbackBillingTerms} from './billing-terms.js'
import {endBilling} from './ledger-accrual.js'
import {backoffMs, type JobOutcome} from './provision-job.js'
import {crashPoint} from './crash-points.js'
import {recordSessionEvent, transitionSession} from './session-transitions.js'

/**
 * One step of tearing a session down: destroy the instance, then confirm with the provider
 * that it is gone before the session counts as stopped and billing closes. Destroy is
 * idempotent at the adapter, so repeating a step after a crash is safe.
 */
export async function runReleaseStep(ctx: ServiceContext, job: Job): Promise<JobOutcome> {
  let session = await ctx.store.sessions.get(job.sessionId ?? '')
  if (!session) return {done: true}
  const adapter = ctx.providers.get(session.provider)

  if (!session.providerInstanceId) {
    // A create may have succeeded without being recorded: find it by its label.
    const label = instanceLabel(ctx.deploymentId, session.id)
    const existing = (await adapter.listInstances({labelPrefix: label})).find((i) => i.label === label)
    if (existing) {
      // The provisioner may have recorded one meanwhile: whichever is recorded is the one released.
      await ctx.store.sessions.claimInstance(session.id, existing.providerInstanceId, ctx.clock.now(), [session.status])
      session = (await ctx.store.sessions.get(session.id))!
    }
  }

  const instanceId = session.providerInstanceId
  if (instanceId) {
    // Recorded before the call: the provider destroys no earlier than this, which is what its
    // own charges are checked against when the session is settled.
    const requestedAt = session.destroyRequestedAt ?? ctx.clock.now()
    if (session.destroyRequestedAt === null) {
      await ctx.store.sessions.update(session.id, [session.status], {destroyRequestedAt: requestedAt}, requestedAt)
      session = {...session, destroyRequestedAt: requestedAt}
    }
    if (!(await ctx.store.billing.get(session.id))) await learnBillingTerms(ctx, session, instanceId)
    let confirmedAt: number
    try {
      await adapter.destroyInstance(instanceId)
      // The provider's answer confirms the destroy: it has stopped billing by now.
      confirmedAt = ctx.clock.now()
      crashPoint('after-destroy-call')
      const after = await adapter.getInstance(instanceId)
      if (after) {
        await recordSessionEvent(ctx, session.id, 'destroy_unverified', {
          actor: 'releaser',
          message: `instance ${instanceId} still reported as ${after.state}; retrying destroy`,
        })
        return {done: false, retryInMs: backoffMs(job.failures + 1, ctx.timings.retryMaxMs), error: 'instance still present after destroy'}
      }
    } catch (err) {
      // Refused (429, a 4xx) and the instance still there: it runs and bills, and the next
      // attempt records its own time. Otherwise the request may have landed (a timeout, a 5xx,
      // or an earlier try of the same call whose reply was lost before the refusal), so its time
      // stands as the earliest the provider can have destroyed it.
      const refused = err instanceof RateLimitedError || (err instanceof ProviderError && !err.retryable)
      if (refused && (await stillPresent(adapter, instanceId))) {
        await ctx.store.sessions.update(session.id, [session.status], {destroyRequestedAt: null}, ctx.clock.now())
      }
      const message = scrubSecrets(err instanceof Error ? err.message : String(err))
      await recordSessionEvent(ctx, session.id, 'destroy_retry', {actor: 'releaser', message: `destroy did not complete (${message}); retrying`})
      return {done: false, retryInMs: backoffMs(job.failures + 1, ctx.timings.retryMaxMs), error: message}
    }
    await ctx.store.transaction(async () => {
      await endBilling(ctx, session!, confirmedAt)
      // One settlement a session, whoever runs this: a release re-run after its settlement
      // finished (a process killed before it marked the release done), or by two processes at
      // once (a lease taken over), must not queue another.
      await ctx.store.db.lockKey(`settle:${session!.id}`)
      if (!(await ctx.store.jobs.everHad(session!.id, 'settle'))) await ctx.store.jobs.enqueue('settle', session!.id, confirmedAt, confirmedAt)
    })
  }

  crashPoint('before-mark-stopped')
  const stoppedAt = (await ctx.store.billing.get(session.id))?.endedAt ?? ctx.clock.now()
  const verified = session.providerInstanceId ? `instance ${session.providerInstanceId} destroyed and verified gone` : 'no instance had been created'
  if (session.status === 'stopping') {
    await transitionSession(ctx, session, 'stopped', {stoppedAt}, {actor: 'releaser', message: `stopped: ${verified}`})
  } else {
    if (session.stoppedAt === null) await ctx.store.sessions.update(session.id, [session.status], {stoppedAt}, ctx.clock.now())
    await recordSessionEvent(ctx, session.id, 'destroyed', {actor: 'releaser', message: verified})
  }
  return {done: true}
}

/** Whether the provider still lists the instance; false when it is gone or the answer is unknown. */
async function stillPresent(adapter: ProviderAdapter, instanceId: string): Promise<boolean> {
  try {
    return (await adapter.getInstance(instanceId)) !== null
  } catch {
    return false
  }
}

/** The instance is about to go before any reply told us how it bills: ask once, else fall back. */
async function learnBillingTerms(ctx: ServiceContext, session: StoredSession, instanceId: string): Promise<void> {
  try {
    const instance = await ctx.providers.get(session.provider).getInstance(instanceId)
    if (instance) await recordBillingTerms(ctx, session, instance)
  } catch {
    // The fallback below bills from the create at the rented price; the settlement corrects it.
  }
  await recordFallbackBillingTerms(ctx, session)
}
