import {instanceLabel} from '../core/instance-label.js'
import {scrubSecrets} from '../log/logger.js'
import {ProviderError, RateLimitedError} from '../providers/errors.js'
import type {Job} from '../store/jobs-repo.js'
import type {ServiceContext} from './context.js'
import {accrueSession} from './cost-service.js'
import {backoffMs, type JobOutcome} from './provision-job.js'
import {crashPoint} from './crash-points.js'
import {recordSessionEvent, transitionSession} from './session-transitions.js'

/**
 * One step of tearing a session down: destroy the instance, then confirm with the provider
 * that it is gone before the session counts as stopped and billing closes. Destroy is
 * idempotent at the adapter, so repeating a step after a crash is safe.
 */
export async function runReleaseStep(ctx: ServiceContext, job: Job): Promise<JobOutcome> {
  let session = ctx.store.sessions.get(job.sessionId ?? '')
  if (!session) return {done: true}
  const adapter = ctx.providers.get(session.provider)

  if (!session.providerInstanceId) {
    // A create may have succeeded without being recorded: find it by its label.
    const label = instanceLabel(ctx.deploymentId, session.id)
    const existing = (await adapter.listInstances({labelPrefix: label})).find((i) => i.label === label)
    if (existing) {
      ctx.store.sessions.update(session.id, [session.status], {providerInstanceId: existing.providerInstanceId}, ctx.clock.now())
      session = ctx.store.sessions.get(session.id)!
    }
  }

  const instanceId = session.providerInstanceId
  if (instanceId) {
    // Recorded before the call: if the provider confirms the instance gone, it stopped billing
    // at this request, however late the confirmation comes (a crash, a restart).
    const requestedAt = session.destroyRequestedAt ?? ctx.clock.now()
    if (session.destroyRequestedAt === null) {
      ctx.store.sessions.update(session.id, [session.status], {destroyRequestedAt: requestedAt}, requestedAt)
      session = {...session, destroyRequestedAt: requestedAt}
    }
    try {
      await adapter.destroyInstance(instanceId)
      crashPoint('after-destroy-call')
      const after = await adapter.getInstance(instanceId)
      if (after) {
        recordSessionEvent(ctx, session.id, 'destroy_unverified', {
          actor: 'releaser',
          message: `instance ${instanceId} still reported as ${after.state}; retrying destroy`,
        })
        return {done: false, retryInMs: backoffMs(job.attempts), error: 'instance still present after destroy'}
      }
    } catch (err) {
      // Refused (429, a 4xx): the instance still runs and bills, and the next attempt records
      // its own time. Outcome unknown (timeout, 5xx): the request may have landed, so its time
      // stands if the instance turns out gone.
      if (err instanceof RateLimitedError || (err instanceof ProviderError && !err.retryable)) {
        ctx.store.sessions.update(session.id, [session.status], {destroyRequestedAt: null}, ctx.clock.now())
      }
      const message = scrubSecrets(err instanceof Error ? err.message : String(err))
      recordSessionEvent(ctx, session.id, 'destroy_retry', {actor: 'releaser', message: `destroy did not complete (${message}); retrying`})
      return {done: false, retryInMs: backoffMs(job.attempts), error: message}
    }
  }

  crashPoint('before-mark-stopped')
  const stoppedAt = session.destroyRequestedAt ?? ctx.clock.now()
  const verified = session.providerInstanceId ? `instance ${session.providerInstanceId} destroyed and verified gone` : 'no instance had been created'
  if (session.status === 'stopping') {
    accrueSession(ctx, {...session, stoppedAt}, stoppedAt)
    transitionSession(ctx, session, 'stopped', {stoppedAt}, {actor: 'releaser', message: `stopped: ${verified}`})
  } else {
    if (session.startedAt !== null && session.stoppedAt === null) accrueSession(ctx, {...session, stoppedAt}, stoppedAt)
    if (session.stoppedAt === null) ctx.store.sessions.update(session.id, [session.status], {stoppedAt}, ctx.clock.now())
    recordSessionEvent(ctx, session.id, 'destroyed', {actor: 'releaser', message: verified})
  }
  return {done: true}
}
