import {deploymentLabelPrefix, parseInstanceLabel} from '../core/instance-label.js'
import type {ProviderName} from '../core/provider-name.js'
import {isLive, isTerminal, type SessionStatus} from '../core/session-status.js'
import {scrubSecrets} from '../log/logger.js'
import {PartialInstanceListError, type ProviderInstance} from '../providers/provider.js'
import type {ServiceContext} from './context.js'
import {recordFallbackBillingTerms} from './billing-terms.js'
import {endBilling} from './ledger-accrual.js'
import {recordSessionEvent, transitionSession} from './session-transitions.js'

/** Sessions that should have an instance at the provider, so one that vanished is a ghost. */
const GHOST_STATUSES: readonly SessionStatus[] = ['provisioning', 'running', 'stopping', 'preserved']

export interface ReconcileOptions {
  dryRun: boolean
  /** An orphan is destroyed only once it has been seen for this long. */
  orphanGraceMs: number
}

export interface OrphanFinding {
  provider: ProviderName
  providerInstanceId: string
  label: string | null
  sessionId: string | null
  reason: string
  action: 'destroyed' | 'would-destroy' | 'in-grace' | 'destroy-failed'
}

export interface GhostFinding {
  provider: ProviderName
  sessionId: string
  providerInstanceId: string
  action: 'marked-stopped' | 'would-mark-stopped'
}

export interface AdoptedFinding {
  provider: ProviderName
  sessionId: string
  providerInstanceId: string
  action: 'adopted' | 'would-adopt'
}

export interface ReconcileReport {
  dryRun: boolean
  at: number
  orphans: OrphanFinding[]
  ghosts: GhostFinding[]
  adopted: AdoptedFinding[]
  errors: {provider: ProviderName; message: string}[]
  /** Instances seen that are not ours (other deployments, untagged): never touched. */
  foreignInstances: number
}

/**
 * Makes the store and the providers agree. Instances carrying this deployment's label with no
 * live session are orphans (destroyed after a grace period); live sessions whose instance the
 * provider no longer has are ghosts (stopped, with the reason). Anything not labelled by this
 * deployment is never touched.
 */
export class Reconciler {
  /** When each orphan was first seen, so a grace period spans runs. */
  private readonly firstSeen = new Map<string, number>()
  private lastReport: ReconcileReport | null = null
  readonly totals = {orphansDestroyed: 0, ghostsStopped: 0}
  /** Runs go one at a time: two at once would both destroy an orphan or stop a ghost. */
  private queue: Promise<unknown> = Promise.resolve()
  /** The run of each kind that is queued or running, which callers of that kind share. */
  private readonly pending = new Map<string, Promise<ReconcileReport>>()

  constructor(private readonly ctx: ServiceContext) {}

  last(): ReconcileReport | null {
    return this.lastReport
  }

  /**
   * One run at a time. A caller arriving while a run of the same kind (dry or real, same grace)
   * is queued or running gets that run's report instead of starting another: under load a run
   * takes seconds, and a pile of identical runs only slows each other down. A caller of the
   * other kind waits for its own run, so a dry run never reports a real one or vice versa.
   */
  run(options: ReconcileOptions): Promise<ReconcileReport> {
    const key = `${options.dryRun ? 'dry' : 'real'}:${options.orphanGraceMs}`
    const shared = this.pending.get(key)
    if (shared) return shared
    const run = this.queue.then(() => this.runNow(options))
    this.queue = run.catch(() => undefined)
    this.pending.set(key, run)
    const forget = () => {
      if (this.pending.get(key) === run) this.pending.delete(key)
    }
    run.then(forget, forget)
    return run
  }

  private async runNow(options: ReconcileOptions): Promise<ReconcileReport> {
    const report: ReconcileReport = {dryRun: options.dryRun, at: this.ctx.clock.now(), orphans: [], ghosts: [], adopted: [], errors: [], foreignInstances: 0}
    for (const [provider] of this.ctx.providers.entries()) {
      try {
        await this.reconcileProvider(provider, options, report)
      } catch (err) {
        report.errors.push({provider, message: scrubSecrets(err instanceof Error ? err.message : String(err))})
      }
    }
    if (!options.dryRun) this.lastReport = report
    return report
  }

  private async reconcileProvider(provider: ProviderName, options: ReconcileOptions, report: ReconcileReport): Promise<void> {
    const {ctx} = this
    const prefix = deploymentLabelPrefix(ctx.deploymentId)
    const {instances: all, complete} = await this.listInstances(provider, report)
    const ours = all.filter((i) => i.label?.startsWith(prefix))
    report.foreignInstances += all.length - ours.length
    const seen = new Set<string>()

    for (const instance of ours) {
      seen.add(instance.providerInstanceId)
      const sessionId = parseInstanceLabel(instance.label)?.sessionId ?? null
      const session = sessionId ? await ctx.store.sessions.get(sessionId) : null
      if (session && isLive(session.status) && session.provider === provider) {
        if (!session.providerInstanceId) {
          // A resumable create (a slice) half made by a process that died is finished by the
          // provision job, which calls it again; adopting it here would stop that short.
          if (session.status === 'provisioning' && ctx.providers.get(provider).capabilities.resumableCreate) continue
          // A create succeeded but the daemon died before writing it down: the session owns it.
          if (options.dryRun || (await this.adopt(session.id, instance.providerInstanceId))) {
            report.adopted.push({provider, sessionId: session.id, providerInstanceId: instance.providerInstanceId, action: options.dryRun ? 'would-adopt' : 'adopted'})
          }
          continue
        }
        if (session.providerInstanceId === instance.providerInstanceId) continue
      }
      const reason = !session
        ? 'no such session in this deployment'
        : isTerminal(session.status)
          ? `session ${session.id} is ${session.status}`
          : `session ${session.id} already owns instance ${session.providerInstanceId}: a duplicate`
      await this.handleOrphan(provider, instance, sessionId, reason, options, report)
    }

    await this.findGhosts(provider, seen, options, report)
    // An orphan missing from a partial list may sit on a place that did not answer: forgetting
    // when it was first seen would restart its grace every time that place flaps.
    if (!complete) return
    for (const key of [...this.firstSeen.keys()]) {
      if (key.startsWith(`${provider}:`) && !seen.has(key.slice(provider.length + 1))) this.firstSeen.delete(key)
    }
  }

  /**
   * The provider's instances, and whether that is all of them. A partial list (some self-hosted
   * nodes did not answer) is still worth reconciling: what it lists exists, so orphans among it
   * are real; each place that did not answer is reported. Ghosts are confirmed one by one
   * anyway, so a missing place never makes its sessions ghosts.
   */
  private async listInstances(provider: ProviderName, report: ReconcileReport): Promise<{instances: readonly ProviderInstance[]; complete: boolean}> {
    try {
      return {instances: await this.ctx.providers.get(provider).listInstances(), complete: true}
    } catch (err) {
      if (!(err instanceof PartialInstanceListError)) throw err
      for (const {error} of err.unlisted) report.errors.push({provider, message: scrubSecrets(error.message)})
      return {instances: err.instances, complete: false}
    }
  }

  /**
   * Records the instance on its session, unless the session ended or got an instance since it
   * was read (the provisioner may have written it meanwhile); then nothing changes here, and a
   * duplicate is an orphan at the next run.
   */
  private async adopt(sessionId: string, providerInstanceId: string): Promise<boolean> {
    const {ctx} = this
    return ctx.store.transaction(async () => {
      const session = await ctx.store.sessions.get(sessionId)
      if (!session || !isLive(session.status) || session.providerInstanceId) return false
      if (!(await ctx.store.sessions.claimInstance(session.id, providerInstanceId, ctx.clock.now(), [session.status]))) return false
      await recordSessionEvent(ctx, session.id, 'adopted', {actor: 'reconciler', message: `adopted instance ${providerInstanceId} found by its label`})
      return true
    })
  }

  private async handleOrphan(
    provider: ProviderName,
    instance: ProviderInstance,
    sessionId: string | null,
    reason: string,
    options: ReconcileOptions,
    report: ReconcileReport,
  ): Promise<void> {
    const now = this.ctx.clock.now()
    const key = `${provider}:${instance.providerInstanceId}`
    const first = this.firstSeen.get(key) ?? now
    if (!options.dryRun) this.firstSeen.set(key, first)
    const base = {provider, providerInstanceId: instance.providerInstanceId, label: instance.label, sessionId, reason}
    if (options.dryRun) {
      report.orphans.push({...base, action: 'would-destroy'})
      return
    }
    if (now - first < options.orphanGraceMs) {
      report.orphans.push({...base, action: 'in-grace'})
      return
    }
    try {
      await this.ctx.providers.get(provider).destroyInstance(instance.providerInstanceId)
      this.firstSeen.delete(key)
      this.totals.orphansDestroyed++
      report.orphans.push({...base, action: 'destroyed'})
      this.ctx.log.warn({provider, instance: instance.providerInstanceId, reason}, 'destroyed an orphaned instance')
      if (sessionId && (await this.ctx.store.sessions.get(sessionId))) {
        await recordSessionEvent(this.ctx, sessionId, 'orphan_destroyed', {actor: 'reconciler', message: `destroyed orphaned instance ${instance.providerInstanceId} (${reason})`})
      }
    } catch (err) {
      report.orphans.push({...base, action: 'destroy-failed'})
      report.errors.push({provider, message: scrubSecrets(err instanceof Error ? err.message : String(err))})
    }
  }

  /** Live sessions whose instance the provider no longer has. The list can lag, so each is confirmed one by one. */
  private async findGhosts(provider: ProviderName, listed: Set<string>, options: ReconcileOptions, report: ReconcileReport): Promise<void> {
    const {ctx} = this
    const {sessions} = await ctx.store.sessions.list({provider, statuses: [...GHOST_STATUSES], limit: 100_000})
    for (const session of sessions) {
      if (!session.providerInstanceId || listed.has(session.providerInstanceId) || (await this.beingReleased(session.id))) continue
      let instance: ProviderInstance | null
      try {
        instance = await ctx.providers.get(provider).getInstance(session.providerInstanceId)
      } catch (err) {
        // Not knowing is not "gone" (its node may be down): the session stays, the others are still checked.
        report.errors.push({provider, message: scrubSecrets(`session ${session.id}: ${err instanceof Error ? err.message : String(err)}`)})
        continue
      }
      if (instance) continue
      if (!options.dryRun && !(await this.stopGhost(session.id, session.providerInstanceId))) continue
      report.ghosts.push({provider, sessionId: session.id, providerInstanceId: session.providerInstanceId, action: options.dryRun ? 'would-mark-stopped' : 'marked-stopped'})
      if (!options.dryRun) this.totals.ghostsStopped++
    }
  }

  /** A session being released is the release job's to finish; its instance is meant to go. */
  private async beingReleased(sessionId: string): Promise<boolean> {
    return (await this.ctx.store.jobs.openFor(sessionId, 'release')).length > 0
  }

  /**
   * Ends a ghost's session. The provider was asked outside the transaction, so the session is
   * judged again in it: one that was released, ended or given another instance meanwhile is
   * left alone (false).
   */
  private async stopGhost(sessionId: string, providerInstanceId: string): Promise<boolean> {
    const {ctx} = this
    const reason = 'ghost: the instance vanished at the provider without being released'
    return ctx.store.transaction(async () => {
      let session = await ctx.store.sessions.get(sessionId)
      if (!session || !GHOST_STATUSES.includes(session.status) || session.providerInstanceId !== providerInstanceId) return false
      if (await this.beingReleased(sessionId)) return false
      const now = ctx.clock.now()
      // Gone at the provider: it bills no more, and we cannot know since when, so bill until now.
      await recordFallbackBillingTerms(ctx, session)
      await endBilling(ctx, session, now)
      if (session.status === 'provisioning' || session.status === 'preserved') {
        // A preserved disk that vanished is lost with its instance: the session failed.
        await transitionSession(ctx, session, 'failed', {failureReason: reason, stoppedAt: now}, {actor: 'reconciler', message: reason})
        return true
      }
      if (session.status === 'running') {
        await transitionSession(ctx, session, 'stopping', {}, {actor: 'reconciler', message: reason})
        session = (await ctx.store.sessions.get(sessionId))!
      }
      await transitionSession(ctx, session, 'stopped', {stoppedAt: now, failureReason: reason}, {actor: 'reconciler', message: `stopped: ${reason}`})
      return true
    })
  }
}
