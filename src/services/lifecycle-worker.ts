import {MAX_RESERVATION_HOURS} from '../core/limits.js'
import type {SessionStatus} from '../core/session-status.js'
import {scrubSecrets} from '../log/logger.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {enforceBudgets} from './budget-enforcement.js'
import {accrueAll} from './ledger-accrual.js'
import type {Reconciler} from './reconciler.js'
import {IdleMonitor} from './idle-monitor.js'
import {failAndRelease} from './provision-job.js'
import {releaseSession} from './session-service.js'

/** Sessions whose limits still apply: their release has not begun. */
const UNRELEASED: readonly SessionStatus[] = ['pending', 'provisioning', 'running']

/**
 * The daemon's heartbeat: bills running sessions into the ledger and releases sessions whose
 * reservation has run out. It reads everything from the store, so it enforces the same
 * limits after a restart as before it. Of several server processes on one database, one at a
 * time ticks, one reconciles and one samples idle GPUs (`store.leaders`); when it dies,
 * another takes its role at its next timer.
 */
export class LifecycleWorker {
  private timer: NodeJS.Timeout | null = null
  private reconcileTimer: NodeJS.Timeout | null = null
  private idleTimer: NodeJS.Timeout | null = null
  private readonly idle: IdleMonitor
  /** The tick under way: a tick due meanwhile is skipped, the next one catches up. */
  private ticking: Promise<void> | null = null

  constructor(
    private readonly ctx: ServiceContext,
    private readonly onWork: () => void,
    private readonly reconciler: Reconciler,
  ) {
    this.idle = new IdleMonitor(ctx)
  }

  start(): void {
    void this.tick()
    this.timer = setInterval(() => void this.tick(), this.ctx.timings.lifecycleIntervalMs)
    this.timer.unref?.()
    this.reconcileTimer = setInterval(() => void this.reconcile(), this.ctx.timings.reconcileIntervalMs)
    this.reconcileTimer.unref?.()
    this.idleTimer = setInterval(() => void this.sampleIdle(), this.ctx.timings.idleSampleIntervalMs)
    this.idleTimer.unref?.()
  }

  async sampleIdle(): Promise<void> {
    try {
      if (!(await this.ctx.store.leaders.hold('idle-sampling'))) return
      if (await this.idle.sampleAll()) this.onWork()
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'idle sampling failed')
    }
  }

  /** Stops the timers and waits for the tick under way, so the store is not closed under it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    if (this.reconcileTimer) clearInterval(this.reconcileTimer)
    if (this.idleTimer) clearInterval(this.idleTimer)
    this.timer = null
    this.reconcileTimer = null
    this.idleTimer = null
    await this.ticking
  }

  /** One tick; called while one is running, it skips and returns that one. Never rejects. */
  tick(): Promise<void> {
    this.ticking ??= this.runTick().finally(() => {
      this.ticking = null
    })
    return this.ticking
  }

  private async runTick(): Promise<void> {
    try {
      if (!(await this.ctx.store.leaders.hold('lifecycle'))) return
      await accrueAll(this.ctx)
      await this.enforceLimits()
      if (await enforceBudgets(this.ctx)) this.onWork()
      await this.failStuck()
      await this.watchdog()
      await this.ctx.store.idempotency.deleteExpired(this.ctx.clock.now())
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'lifecycle tick failed')
    }
  }

  async reconcile(): Promise<void> {
    try {
      if (!(await this.ctx.store.leaders.hold('reconciler'))) return
      const report = await this.reconciler.run({dryRun: false, orphanGraceMs: this.ctx.timings.orphanGraceMs})
      if (report.adopted.length || report.ghosts.length) this.onWork()
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'reconciliation failed')
    }
  }

  /**
   * A failed or stopping session that still has an instance and nobody destroying (or, for a
   * preserved disk, stopping) it would bill forever: give it a release job again.
   */
  private async watchdog(): Promise<void> {
    const now = this.ctx.clock.now()
    const {sessions} = await this.ctx.store.sessions.list({statuses: ['stopping', 'failed'], limit: 100_000})
    let queued = 0
    for (const listed of sessions) {
      if (!listed.providerInstanceId || listed.stoppedAt !== null) continue
      // Checked again with the enqueue in one transaction: a release job queued since the list
      // (by a user's release, say) must not get a twin.
      const enqueued = await this.ctx.store.transaction(async () => {
        const s = await this.ctx.store.sessions.get(listed.id)
        if (!s || !s.providerInstanceId || s.stoppedAt !== null || (s.status !== 'stopping' && s.status !== 'failed')) return false
        if ((await this.ctx.store.jobs.openFor(s.id, 'release')).length > 0) return false
        // Being stopped to keep its disk: the preserve job owns it (it ends preserved, or hands over to a release).
        if (s.status === 'stopping' && (await this.ctx.store.jobs.openFor(s.id, 'preserve')).length > 0) return false
        await this.ctx.store.jobs.enqueue('release', s.id, now, now)
        return true
      })
      if (enqueued) queued++
    }
    if (queued) this.onWork()
  }

  /** Reservation expiry and the 12-hour hard maximum, read from the store on every tick. */
  private async enforceLimits(): Promise<void> {
    const now = this.ctx.clock.now()
    const {sessions} = await this.ctx.store.sessions.list({statuses: [...UNRELEASED], limit: 100_000})
    let released = 0
    for (const listed of sessions) {
      if (!limitReached(listed, now)) continue
      // Judged again on the row as it is now, with the release in the same transaction: an
      // extension committed since the list must not be released.
      const didRelease = await this.ctx.store.transaction(async () => {
        const session = await this.ctx.store.sessions.get(listed.id)
        const reason = session && UNRELEASED.includes(session.status) ? limitReached(session, now) : null
        if (!reason) return false
        await releaseSession(this.ctx, session!.id, {actor: 'lifecycle', message: reason})
        return true
      })
      if (didRelease) released++
    }
    if (released) this.onWork()
  }

  /**
   * Pending with no provision job, or stopping for far too long: something is wrong. The
   * session fails with the reason and its instance (if any) keeps being destroyed.
   */
  private async failStuck(): Promise<void> {
    const now = this.ctx.clock.now()
    const {sessions} = await this.ctx.store.sessions.list({statuses: ['pending', 'stopping'], limit: 100_000})
    for (const listed of sessions) {
      if (now - listed.updatedAt < this.ctx.timings.stuckAfterMs) continue
      // Judged again on the row as it is now: a session that moved on since the list is not stuck.
      await this.ctx.store.transaction(async () => {
        const session = await this.ctx.store.sessions.get(listed.id)
        const reason = session ? await this.stuckReason(session, now) : null
        if (reason) await failAndRelease(this.ctx, session!, reason)
      })
    }
  }

  private async stuckReason(session: StoredSession, now: number): Promise<string | null> {
    if (session.status !== 'pending' && session.status !== 'stopping') return null
    if (now - session.updatedAt < this.ctx.timings.stuckAfterMs) return null
    if (session.status === 'pending' && (await this.ctx.store.jobs.openFor(session.id, 'provision')).length > 0) return null
    const minutes = Math.round((now - session.updatedAt) / 60_000)
    return session.status === 'pending'
      ? `stuck: pending for ${minutes} min without a provisioner`
      : `stuck: destruction not verified after ${minutes} min; still retrying`
  }
}

function limitReached(session: StoredSession, now: number): string | null {
  if (session.expiresAt <= now) return `reservation expired at ${new Date(session.expiresAt).toISOString()}`
  const hardMax = (session.startedAt ?? session.createdAt) + MAX_RESERVATION_HOURS * 3_600_000
  if (!session.hardMaxOverride && hardMax <= now) return `the ${MAX_RESERVATION_HOURS}-hour hard maximum was reached`
  return null
}
