import {instanceLabel} from '../core/instance-label.js'
import {runningRate} from '../core/billing.js'
import {GPU_REPORT_COMMAND, listingMismatch, parseReportedGpus} from '../core/listing-gate.js'
import {formatUsd, type MicroUsd} from '../core/money.js'
import type {HostFailureKind} from '../core/offer-health.js'
import {priceForDisk} from '../core/offer-quote.js'
import {MAX_OFFER_ATTEMPTS} from '../core/provisioning-spec.js'
import {reservationEnd} from '../core/reservation.js'
import {isTerminal} from '../core/session-status.js'
import {InstanceSetupError, ProviderError, StaleInventoryError} from '../providers/errors.js'
import type {ProviderAdapter, ProviderInstance} from '../providers/provider.js'
import {scrubSecrets} from '../log/logger.js'
import {runRemoteCommand} from '../ssh/run-command.js'
import type {Job} from '../store/jobs-repo.js'
import type {SessionPatch, StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {recordBillingTerms} from './billing-terms.js'
import {crashPoint, isCrashPoint} from './crash-points.js'
import {instanceLogin} from './instance-login.js'
import {lockOfferHolds} from './session-service.js'
import {recordSessionEvent, transitionSession} from './session-transitions.js'
import {advanceWorkload} from './workload-start.js'
import {nextOfferFilter, retryOnAnotherHost} from './auto-retry.js'
import {bestHealthyOffer, recordProvisionOutcome} from './offer-health.js'

export type JobOutcome = {done: true} | {done: false; retryInMs: number; error?: string}

const DONE: JobOutcome = {done: true}

/**
 * One step of bringing a session up. The job is re-run (by the runner, or by the next daemon
 * after a crash) until it returns done, so every step starts from what the store says.
 */
export async function runProvisionStep(ctx: ServiceContext, job: Job): Promise<JobOutcome> {
  const outcome = await provisionStep(ctx, job)
  if (outcome.done && job.sessionId) {
    lastProgress.delete(job.sessionId)
    lastReattach.delete(job.sessionId)
  }
  return outcome
}

async function provisionStep(ctx: ServiceContext, job: Job): Promise<JobOutcome> {
  let session = await ctx.store.sessions.get(job.sessionId ?? '')
  if (!session || isTerminal(session.status) || session.status === 'stopping') return DONE
  const adapter = ctx.providers.get(session.provider)

  if (session.status === 'pending') {
    await transitionSession(ctx, session, 'provisioning', {}, {actor: 'provisioner', message: `renting ${session.offerId} at ${session.provider}`})
    session = (await ctx.store.sessions.get(session.id))!
  }

  if (!session.providerInstanceId) {
    const outcome = await obtainInstance(ctx, adapter, session, job)
    if (outcome) return outcome
    session = (await ctx.store.sessions.get(session.id))!
    if (session.status !== 'provisioning') return DONE
  }

  const now = ctx.clock.now()
  // A resumed session's deadline runs from its resume.
  const since = Math.max(session.createdAt, session.resumedAt ?? 0)
  const sshTimeoutMs = session.retry?.sshTimeoutMs ?? null
  if (session.sshHostKeyFingerprint === null && sshTimeoutMs !== null && now - since > sshTimeoutMs) {
    return failHost(ctx, session, 'ssh_timeout', `the host did not let us in over SSH within ${Math.round(sshTimeoutMs / 1000)} s`)
  }
  if (now - since > ctx.timings.provisionTimeoutMs) {
    const reason = `provisioning timed out after ${Math.round(ctx.timings.provisionTimeoutMs / 60_000)} min`
    // Never let in: the host's failure. Let in, with a workload that never came up: the workload's.
    if (session.sshHostKeyFingerprint === null) return failHost(ctx, session, 'ssh_timeout', reason)
    return isResume(session) ? preserveAgain(ctx, session, reason) : failAndRelease(ctx, session, reason)
  }

  let instance: ProviderInstance | null
  try {
    instance = await adapter.getInstance(session.providerInstanceId!, {background: true})
  } catch (err) {
    // A poll that failed or was deferred (faults, pacing) is simply taken again at the next
    // poll: never the job runner's growing back-off, which after many polls reaches a minute.
    if (!(err instanceof ProviderError) || !err.retryable) throw err
    return {done: false, retryInMs: ctx.timings.pollIntervalMs, error: scrubSecrets(err.message)}
  }
  if (!instance) return failHost(ctx, session, 'vanished', `instance ${session.providerInstanceId} disappeared at ${session.provider}`)
  // The provider bills from its own create and from when it says the instance runs, SSH or not.
  await recordBillingTerms(ctx, session, instance)
  if (instance.state === 'stopped' && session.resumedAt != null && adapter.startInstance) {
    // A preserved instance being resumed: ask it to start (asking twice is harmless) and poll.
    await adapter.startInstance(instance.providerInstanceId)
    await noteProgress(ctx, session, `starting the preserved instance ${instance.providerInstanceId} again`)
    return {done: false, retryInMs: ctx.timings.pollIntervalMs}
  }
  if (instance.state === 'failed' || instance.state === 'stopped') {
    return failHost(ctx, session, 'boot_failed', `instance ${instance.state} at ${session.provider}: ${instance.statusMessage ?? 'no reason given'}`)
  }
  if (instance.state !== 'running' || !instance.ssh) {
    await noteProgress(ctx, session, `waiting for the instance: ${instance.statusMessage ?? instance.state}`)
    return {done: false, retryInMs: ctx.timings.pollIntervalMs}
  }
  session = await recordAddress(ctx, session, instance)
  // A session with a workload keeps its verified host key while the workload comes up.
  if (session.sshHostKeyFingerprint !== null && session.launch) return startWorkload(ctx, session, instance)
  return verifyAndStart(ctx, session, instance)
}

/**
 * The instance's SSH address, on the session as soon as the provider reports it (a guest's
 * lease, a rented box's endpoint), so the session shows where it will be before SSH is checked.
 * Recorded once per address: a resumed step that finds it already there goes straight on.
 */
async function recordAddress(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance): Promise<StoredSession> {
  const ssh = instance.ssh!
  if (session.sshHost === ssh.host && session.sshPort === ssh.port) return session
  const now = ctx.clock.now()
  await ctx.store.sessions.update(session.id, ['provisioning'], {sshHost: ssh.host, sshPort: ssh.port, sshUser: ssh.user, sshJump: ssh.jump ?? null}, now)
  await recordSessionEvent(ctx, session.id, 'address', {
    actor: 'provisioner',
    message: `address: ${instance.statusMessage ?? `the instance answers at ${ssh.host}`}; checking SSH at ${ssh.user}@${ssh.host}:${ssh.port}${viaJump(ssh)}`,
  })
  crashPoint('after-instance-address')
  return (await ctx.store.sessions.get(session.id)) ?? session
}

function viaJump(ssh: NonNullable<ProviderInstance['ssh']>): string {
  return ssh.jump ? ` via ${ssh.jump.user}@${ssh.jump.host}:${ssh.jump.port}` : ''
}

/** Creates the instance, or adopts the one an earlier attempt may have created; returns an outcome to stop this step. */
async function obtainInstance(ctx: ServiceContext, adapter: ProviderAdapter, session: StoredSession, job: Job): Promise<JobOutcome | null> {
  const label = instanceLabel(ctx.deploymentId, session.id)
  // A previous attempt may have created the instance and died before recording it: look the
  // label up first, and since provider lists lag, keep looking for a while before renting
  // again, so a session never gets two instances.
  if (session.createAttemptedAt !== null && !adapter.capabilities.resumableCreate) {
    const existing = (await adapter.listInstances({labelPrefix: label})).find((i) => i.label === label)
    if (existing) {
      await recordInstance(ctx, session, existing.providerInstanceId, `adopted instance ${existing.providerInstanceId} created by an earlier attempt`)
      return null
    }
    const waited = ctx.clock.now() - session.createAttemptedAt
    if (waited < ctx.timings.createDoubtMs) {
      await noteProgress(ctx, session, 'an earlier create may still appear at the provider; checking its list again before renting another')
      return {done: false, retryInMs: Math.min(ctx.timings.createDoubtMs - waited, 10_000)}
    }
  }
  // Written before the call: if the daemon dies during it, the next attempt knows to look first.
  await ctx.store.durably(() => ctx.store.sessions.update(session.id, 'provisioning', {createAttemptedAt: ctx.clock.now()}, ctx.clock.now()))
  try {
    const created = await adapter.createInstance({
      offerProviderId: session.offerProviderId,
      label,
      sshPublicKeys: instanceKeys(ctx, session),
      diskGb: session.diskGb,
      image: session.launch?.image ?? null,
      exposePorts: session.launch?.exposePorts ?? [],
      templateHashId: session.templateHashId,
      onStep: (step, message) => {
        // The adapter does not wait for its listener: a note that cannot be written is logged, and the create goes on.
        recordSessionEvent(ctx, session.id, 'progress', {actor: 'provisioner', message}).catch((err: unknown) =>
          ctx.log.warn({session_id: session.id, err: scrubSecrets(err instanceof Error ? err.message : String(err))}, 'a create step could not be recorded'),
        )
        const point = `after-${step}`
        if (isCrashPoint(point)) crashPoint(point)
      },
    })
    crashPoint('after-provider-create')
    crashPoint('before-record-provider-id')
    await recordInstance(ctx, session, created.providerInstanceId, `instance ${created.providerInstanceId} created at ${session.provider}`)
    crashPoint('after-record-provider-id')
    return null
  } catch (err) {
    // This attempt's job was taken over (it stalled past its lease) and the other attempt has
    // recorded the session's instance meanwhile: whatever became of this create, go on with that one.
    if (!(err instanceof InstanceSetupError) && (await ctx.store.sessions.get(session.id))?.providerInstanceId) return null
    if (err instanceof InstanceSetupError) {
      // The instance exists and bills even though it cannot be used: record it so it is destroyed
      // (a duplicate is destroyed at once, and the session goes on with the instance it has).
      if (!(await recordInstance(ctx, session, err.providerInstanceId, `instance ${err.providerInstanceId} created but could not be set up`))) return null
      return failHost(ctx, (await ctx.store.sessions.get(session.id))!, 'setup_failed', `provider_error: ${scrubSecrets(err.message)}`)
    }
    if (err instanceof StaleInventoryError) {
      await ctx.store.offers.markUnavailable(session.offerId)
      await recordProvisionOutcome(ctx, session, 'stale', scrubSecrets(err.message))
      return failOver(ctx, session)
    }
    if (err instanceof ProviderError && !err.retryable) {
      // Adapters that know a create was refused say so already; say it once.
      const reason = scrubSecrets(err.message)
      return failAndRelease(ctx, session, `provider_error: ${/no instance was created/i.test(reason) ? reason : `${reason}; no instance was created`}`)
    }
    const message = scrubSecrets(err instanceof Error ? err.message : String(err))
    await recordSessionEvent(ctx, session.id, 'retry', {actor: 'provisioner', message: `create did not complete (${message}); will check the provider and retry`})
    return {done: false, retryInMs: backoffMs(job.failures + 1, ctx.timings.retryMaxMs), error: message}
  }
}

/**
 * The offer was gone, and no instance was made. A session provisioned by spec, or one with
 * auto-retry, moves to the next best matching (or comparable) offer, up to MAX_OFFER_ATTEMPTS
 * offers (each try an event); one that named its offer and nothing more fails.
 */
async function failOver(ctx: ServiceContext, session: StoredSession): Promise<JobOutcome | null> {
  const gone = `offer ${session.offerId} is no longer available at ${session.provider}`
  const spec = session.spec
  if (!spec && (session.retry?.maxRetries ?? 0) === 0) return failAndRelease(ctx, session, `stale_inventory: ${gone}; no instance was created`)
  if (session.offerAttempts >= MAX_OFFER_ATTEMPTS) {
    return failAndRelease(ctx, session, `stale_inventory: ${gone}, and ${session.offerAttempts} offers were tried; no instance was created`)
  }
  const now = ctx.clock.now()
  const next = await ctx.store.transaction(async () => {
    // Picked and taken in one step, as a create does: no other session gets the same machine.
    await lockOfferHolds(ctx)
    const next = await bestHealthyOffer(ctx, await nextOfferFilter(ctx, session, [session]))
    if (!next) return null
    await ctx.store.sessions.update(
      session.id,
      'provisioning',
      {
        offerId: next.id,
        offerProviderId: next.providerId,
        provider: next.provider,
        gpuType: next.gpuType,
        gpuCount: next.gpuCount,
        hostId: next.hostId ?? null,
        pricePerHour: priceForDisk(next, session.diskGb),
        offerAttempts: session.offerAttempts + 1,
        // The provider answered that create definitively: nothing to look for.
        createAttemptedAt: null,
      },
      now,
    )
    await recordSessionEvent(ctx, session.id, 'failover', {
      actor: 'provisioner',
      message: `${gone}; trying the next best offer ${next.id} at ${formatUsd(next.pricePerHour, 4)}/h (attempt ${session.offerAttempts + 1} of ${MAX_OFFER_ATTEMPTS})`,
    })
    return next
  })
  if (!next) {
    const wanted = spec ? `${spec.gpuCount}x ${spec.sku}` : `${session.gpuCount}x ${session.gpuType} (${session.retry!.scope})`
    return failAndRelease(ctx, session, `stale_inventory: ${gone} and no other live offer matches ${wanted}; no instance was created`)
  }
  return {done: false, retryInMs: 0}
}

/**
 * Every key the instance must trust: the session's own, the registered keys it named (as they
 * were at create time, so a retry injects the same ones), and the daemon's for verification.
 * A key named twice is sent once.
 */
export function instanceKeys(ctx: ServiceContext, session: StoredSession): string[] {
  const lines = [session.sshPublicKey, ...(session.attachedSshKeys ?? []).map((k) => k.publicKey), ctx.daemonKey.publicKey]
  const seen = new Set<string>()
  return lines.filter((line) => {
    // `type base64` identifies a key; the comment does not.
    const identity = line.trim().split(/\s+/).slice(0, 2).join(' ')
    if (seen.has(identity)) return false
    seen.add(identity)
    return true
  })
}

/**
 * Records the instance id whatever the session's status: if it was released meanwhile, the
 * release job must destroy it. An instance another attempt recorded first stands (this step's
 * job was taken over by a process that found this one stalled past its lease): this one is a
 * duplicate and is destroyed at once. Whether it was recorded.
 */
async function recordInstance(ctx: ServiceContext, session: StoredSession, providerInstanceId: string, message: string): Promise<boolean> {
  const now = ctx.clock.now()
  const recorded = await ctx.store.durably(async () => {
    if (!(await ctx.store.sessions.claimInstance(session.id, providerInstanceId, now))) return false
    const current = (await ctx.store.sessions.get(session.id))!
    if (current.status !== 'provisioning' && (await ctx.store.jobs.openFor(session.id, 'release')).length === 0) {
      await ctx.store.jobs.enqueue('release', session.id, now, now)
    }
    return true
  })
  if (!recorded) {
    await destroyDuplicate(ctx, session, providerInstanceId)
    return false
  }
  await recordSessionEvent(ctx, session.id, 'instance', {actor: 'provisioner', message})
  return true
}

/**
 * Destroys an instance made for the session by an attempt that lost the race to record one,
 * and checks it is gone. If that fails, the reconciler destroys it as a duplicate (its label
 * names a session that owns another instance) once its grace period has passed.
 */
async function destroyDuplicate(ctx: ServiceContext, session: StoredSession, providerInstanceId: string): Promise<void> {
  const adapter = ctx.providers.get(session.provider)
  const owned = (await ctx.store.sessions.get(session.id))?.providerInstanceId
  let message: string
  try {
    await adapter.destroyInstance(providerInstanceId)
    const after = await adapter.getInstance(providerInstanceId)
    message = after
      ? `duplicate instance ${providerInstanceId} still reported as ${after.state} after its destroy; the reconciler destroys it as a duplicate`
      : `destroyed duplicate instance ${providerInstanceId} and verified it gone: instance ${owned} was recorded for this session first`
  } catch (err) {
    message = `duplicate instance ${providerInstanceId} could not be destroyed yet (${scrubSecrets(err instanceof Error ? err.message : String(err))}); the reconciler destroys it as a duplicate`
  }
  ctx.log.warn({session_id: session.id, instance: providerInstanceId, owned}, message)
  await recordSessionEvent(ctx, session.id, 'duplicate', {actor: 'provisioner', message})
}

async function verifyAndStart(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance): Promise<JobOutcome> {
  const ssh = instance.ssh!
  try {
    crashPoint('during-ssh-verify')
    // A CPU-only slice has no GPU to list: logging in and running a command is the check.
    const cpuOnly = session.gpuCount === 0
    const result = await runRemoteCommand(await instanceLogin(ctx, ssh, null), cpuOnly ? 'uname -srm' : GPU_REPORT_COMMAND, 15_000)
    // Logged in with the daemon's key and ran a command: SSH is ready, whatever the command said.
    await recordSessionEvent(ctx, session.id, 'ssh_ready', {
      actor: 'provisioner',
      message: `SSH ready: logged in as ${ssh.user}@${ssh.host}:${ssh.port}${viaJump(ssh)}, host key ${result.hostKeyFingerprint}`,
    })
    crashPoint('after-ssh-ready')
    if (result.exitCode !== 0) throw new Error(`${cpuOnly ? 'uname' : 'nvidia-smi'} exited with ${result.exitCode}: ${result.stderr.trim()}`)
    let found: string
    if (cpuOnly) {
      found = `no GPU, ${result.stdout.trim()}`
    } else {
      const reported = parseReportedGpus(result.stdout)
      if (!reported) throw new Error(`nvidia-smi did not list the GPUs: ${result.stdout.trim().slice(0, 200)}`)
      // The listing gate: the box must be what was rented, or it is destroyed before it is used.
      const mismatch = listingMismatch(reported, {gpuType: session.gpuType, gpuCount: session.gpuCount, vramGb: (await ctx.store.offers.get(session.offerId))?.vramGb ?? null})
      if (mismatch) return await failHost(ctx, session, 'listing_mismatch', `listing_mismatch: ${mismatch}; the instance is destroyed and nothing beyond what ${session.provider} charged is billed`)
      found = `${reported.length}x ${reported[0]!.name}`
    }
    await recordSessionEvent(ctx, session.id, 'gpu_check', {
      actor: 'provisioner',
      message: cpuOnly ? `GPU check: a CPU-only slice, no GPU to find (${found})` : `GPU check: nvidia-smi in the instance lists ${found}, as rented`,
    })
    crashPoint('after-gpu-check')
    const verified = {
      sshHost: ssh.host,
      sshPort: ssh.port,
      sshUser: ssh.user,
      sshHostKeyFingerprint: result.hostKeyFingerprint,
      sshHostPublicKey: result.hostPublicKey,
      sshJump: ssh.jump ?? null,
    }
    if (session.launch) {
      await ctx.store.sessions.update(session.id, 'provisioning', verified, ctx.clock.now())
      return await startWorkload(ctx, (await ctx.store.sessions.get(session.id))!, instance)
    }
    await markRunning(ctx, session, instance, verified, `running: SSH verified at ${ssh.user}@${ssh.host}:${ssh.port}${viaJump(ssh)} (${found})`)
    return DONE
  } catch (err) {
    // Keys can take a while to propagate (Vast.ai: 10-15 s); the provisioning timeout above bounds the wait.
    const message = scrubSecrets(err instanceof Error ? err.message : String(err))
    if (/authentication methods failed/i.test(message)) await reattachKeys(ctx, session)
    await noteProgress(ctx, session, `verifying SSH: ${message}`)
    return {done: false, retryInMs: ctx.timings.pollIntervalMs, error: message}
  }
}

/** The instance is what was rented and does what was asked: billing at the running rate starts now. */
async function markRunning(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance, patch: SessionPatch, message: string): Promise<void> {
  const now = ctx.clock.now()
  await recordProvisionOutcome(ctx, session, 'running', null)
  await transitionSession(
    ctx,
    session,
    'running',
    {
      ...patch,
      startedAt: now,
      // Read again: an extension may have landed while SSH was being checked.
      expiresAt: reservationEnd(now, (await ctx.store.sessions.get(session.id))?.reservationHours ?? session.reservationHours),
      pricePerHour: await runningPrice(ctx, session, instance),
    },
    {actor: 'provisioner', message},
  )
}

/**
 * The verified instance starts its workload (once) and, for a model server, is running only
 * when the server answers its health check at the address the provider published; until then
 * the step is polled again, bounded by the provisioning timeout.
 */
async function startWorkload(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance): Promise<JobOutcome> {
  const ssh = instance.ssh!
  try {
    const progress = await advanceWorkload(ctx, session, instance, await instanceLogin(ctx, ssh, session.sshHostKeyFingerprint))
    if (!progress.ready) {
      await noteProgress(ctx, session, `waiting for ${progress.waitingFor}`)
      return {done: false, retryInMs: ctx.timings.pollIntervalMs}
    }
    const current = (await ctx.store.sessions.get(session.id))!
    await markRunning(ctx, current, instance, {apiEndpoint: progress.apiEndpoint}, `running: SSH verified at ${ssh.user}@${ssh.host}:${ssh.port}${viaJump(ssh)}; ${progress.detail}`)
    return DONE
  } catch (err) {
    const message = scrubSecrets(err instanceof Error ? err.message : String(err))
    await noteProgress(ctx, session, `starting the workload: ${message}`)
    return {done: false, retryInMs: ctx.timings.pollIntervalMs, error: message}
  }
}

/** What the session costs per hour while it runs, as the provider bills it. */
async function runningPrice(ctx: ServiceContext, session: StoredSession, instance: ProviderInstance): Promise<MicroUsd> {
  const billing = await ctx.store.billing.get(session.id)
  if (billing) return runningRate(billing)
  return instance.pricePerHour ?? session.pricePerHour
}

/**
 * The host failed the session (never booted, never let us in, is not what was listed, vanished):
 * recorded against its offer and machine (offer health), and, when the session's auto-retry
 * terms allow, a new session takes its place on the next comparable offer (services/auto-retry.ts),
 * in the same transaction as this failure and the release of the failed host.
 */
async function failHost(ctx: ServiceContext, session: StoredSession, kind: HostFailureKind, reason: string): Promise<JobOutcome> {
  return ctx.store.transaction(async () => {
    const current = (await ctx.store.sessions.get(session.id))!
    // Released meanwhile: the user's stop stands, and says nothing of the host.
    if (isTerminal(current.status) || current.status === 'stopping') return DONE
    await recordProvisionOutcome(ctx, current, kind, reason)
    // A preserved disk that would not come back up is kept, not moved or destroyed.
    if (isResume(current)) return preserveAgain(ctx, current, reason)
    const decision = await retryOnAnotherHost(ctx, current, reason)
    const note = 'retry' in decision ? `; auto-retry: ${decision.retry.id} takes its place on ${decision.retry.offerId}` : decision.notRetried ? `; not retried: ${decision.notRetried}` : ''
    return failAndRelease(ctx, (await ctx.store.sessions.get(session.id))!, `${reason}${note}`)
  })
}

/** A preserved session being started again: what it keeps is its disk. */
function isResume(session: StoredSession): boolean {
  return session.resumedAt != null && session.storagePolicy === 'preserve' && session.providerInstanceId !== null
}

/**
 * A resume that did not come up (its GPUs taken meanwhile, a host that will not let us in):
 * the instance is stopped again and the session preserved as it was, its disk kept, instead
 * of failing and destroying what the user chose to keep. Compute bills until the stop is
 * confirmed, as on any release that preserves.
 */
async function preserveAgain(ctx: ServiceContext, session: StoredSession, reason: string): Promise<JobOutcome> {
  const now = ctx.clock.now()
  await ctx.store.transaction(async () => {
    const current = (await ctx.store.sessions.get(session.id))!
    if (isTerminal(current.status) || current.status === 'stopping') return
    await transitionSession(ctx, current, 'stopping', {}, {actor: 'provisioner', message: `resume failed: ${reason}; stopping the instance again and keeping its disk`})
    if ((await ctx.store.jobs.openFor(session.id, 'preserve')).length === 0) await ctx.store.jobs.enqueue('preserve', session.id, now, now)
  })
  return DONE
}

/** Marks the session failed with its reason and, if an instance exists, queues its destruction. */
export async function failAndRelease(ctx: ServiceContext, session: StoredSession, reason: string): Promise<JobOutcome> {
  const now = ctx.clock.now()
  await ctx.store.transaction(async () => {
    const current = (await ctx.store.sessions.get(session.id))!
    // Released meanwhile: the release destroys the instance and verifies it gone; the user's stop stands.
    if (isTerminal(current.status) || current.status === 'stopping') return
    await transitionSession(ctx, current, 'failed', {failureReason: reason, stoppedAt: current.providerInstanceId ? null : now}, {actor: 'provisioner', message: reason})
    if (current.providerInstanceId && (await ctx.store.jobs.openFor(session.id, 'release')).length === 0) {
      await ctx.store.jobs.enqueue('release', session.id, now, now)
    }
  })
  return DONE
}

const lastReattach = new Map<string, number>()
const REATTACH_EVERY_MS = 20_000

/**
 * SSH refused our keys. If the instance was adopted by its label, the create that made it may
 * have died before attaching them: attach them again (harmless if they are there), at most
 * every 20 s since keys take a while to propagate.
 */
async function reattachKeys(ctx: ServiceContext, session: StoredSession): Promise<void> {
  const adapter = ctx.providers.get(session.provider)
  const now = ctx.clock.now()
  if (!adapter.attachSshKeys || !session.providerInstanceId) return
  if (now - (lastReattach.get(session.id) ?? -Infinity) < REATTACH_EVERY_MS) return
  lastReattach.set(session.id, now)
  try {
    await adapter.attachSshKeys(session.providerInstanceId, instanceKeys(ctx, session))
    await noteProgress(ctx, session, 'SSH keys attached again to the instance')
  } catch (err) {
    ctx.log.warn({session_id: session.id, err: scrubSecrets(err instanceof Error ? err.message : String(err))}, 'attaching SSH keys again failed')
  }
}

/** The last progress note per provisioning session, so repeated polls do not repeat it. */
const lastProgress = new Map<string, string>()

/** Progress notes only when something changed, so watchers see steps, not polls. */
async function noteProgress(ctx: ServiceContext, session: StoredSession, message: string): Promise<void> {
  if (lastProgress.get(session.id) === message) return
  lastProgress.set(session.id, message)
  await recordSessionEvent(ctx, session.id, 'progress', {actor: 'provisioner', message})
}

/** The wait before the `attempt`-th retry in a row: doubling from a second up to `maxMs`, with jitter. */
export function backoffMs(attempt: number, maxMs: number): number {
  const base = Math.min(maxMs, 1_000 * 2 ** Math.max(0, attempt - 1))
  return base + Math.floor(Math.random() * (base / 4))
}
