import {MAX_RESERVATION_HOURS} from '../core/limits.js'
import {scrubSecrets} from '../log/logger.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {enforceBudgets} from './budget-enforcement.js'
import {accrueAll} from './ledger-accrual.js'
import type {Reconciler} from './reconciler.js'
import {IdleMonitor} from './idle-monitor.js'
import {failAndRelease} from './provision-job.js'
import {releaseSession} from './session-service.js'

/**
 * The daemon's heartbeat: bills running sessions into the ledger and releases sessions whose
 * reservation has run out. It reads everything from the store, so it enforces the same
 * limits after a restart as before it.
 */
export class LifecycleWorker {
  private timer: NodeJS.Timeout | null = null
  private reconcileTimer: NodeJS.Timeout | null = null
  private idleTimer: NodeJS.Timeout | null = null
  private readonly idle: IdleMonitor

  constructor(
    private readonly ctx: ServiceContext,
    private readonly onWork: () => void,
    private readonly reconciler: Reconciler,
  ) {
    this.idle = new IdleMonitor(ctx)
  }

  start(): void {
    this.tick()
    this.timer = setInterval(() => this.tick(), this.ctx.timings.lifecycleIntervalMs)
    this.timer.unref?.()
    this.reconcileTimer = setInterval(() => void this.reconcile(), this.ctx.timings.reconcileIntervalMs)
    this.reconcileTimer.unref?.()
    this.idleTimer = setInterval(() => void this.sampleIdle(), this.ctx.timings.idleSampleIntervalMs)
    this.idleTimer.unref?.()
  }

  async sampleIdle(): Promise<void> {
    try {
      if (await this.idle.sampleAll()) this.onWork()
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'idle sampling failed')
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    if (this.reconcileTimer) clearInterval(this.reconcileTimer)
    if (this.idleTimer) clearInterval(this.idleTimer)
    this.timer = null
    this.reconcileTimer = null
    this.idleTimer = null
  }

  tick(): void {
    try {
      accrueAll(this.ctx)
      this.enforceLimits()
      if (enforceBudgets(this.ctx)) this.onWork()
      this.failStuck()
      this.watchdog()
      this.ctx.store.idempotency.deleteExpired(this.ctx.clock.now())
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'lifecycle tick failed')
    }
  }

  async reconcile(): Promise<void> {
    try {
      const report = await this.reconciler.run({dryRun: false, orphanGraceMs: this.ctx.timings.orphanGraceMs})
      if (report.adopted.length || report.ghosts.length) this.onWork()
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'reconciliation failed')
    }
  }

  /**
   * A failed or stopping session that still has an instance and nobody destroying it would
   * bill forever: give it a release job again.
   */
  private watchdog(): void {
    const now = this.ctx.clock.now()
    const {sessions} = this.ctx.store.sessions.list({statuses: ['stopping', 'failed'], limit: 100_000})
    let queued = 0
    for (const s of sessions) {
      if (!s.providerInstanceId || s.stoppedAt !== null) continue
      if (this.ctx.store.jobs.openFor(s.id, 'release').length > 0) continue
      this.ctx.store.jobs.enqueue('release', s.id, now, now)
      queued++
    }
    if (queued) this.onWork()
  }

  /** Reservation expiry and the 12-hour hard maximum, read from the store on every tick. */
  private enforceLimits(): void {
    const now = this.ctx.clock.now()
    const {sessions} = this.ctx.store.sessions.list({statuses: ['pending', 'provisioning', 'running'], limit: 100_000})
    let released = 0
    for (const session of sessions) {
      const reason = limitReached(session, now)
      if (!reason) continue
      releaseSession(this.ctx, session.id, {actor: 'lifecycle', message: reason})
      released++
    }
    if (released) this.onWork()
  }

  /**
   * Pending with no provision job, or stopping for far too long: something is wrong. The
   * session fails with the reason and its instance (if any) keeps being destroyed.
   */
  private failStuck(): void {
    const now = this.ctx.clock.now()
    const limit = this.ctx.timings.stuckAfterMs
    const {sessions} = this.ctx.store.sessions.list({statuses: ['pending', 'stopping'], limit: 100_000})
    for (const session of sessions) {
      if (now - session.updatedAt < limit) continue
      if (session.status === 'pending' && this.ctx.store.jobs.openFor(session.id, 'provision').length > 0) continue
      const reason =
        session.status === 'pending'
          ? `stuck: pending for ${Math.round((now - session.updatedAt) / 60_000)} min without a provisioner`
          : `stuck: destruction not verified after ${Math.round((now - session.updatedAt) / 60_000)} min; still retrying`
      failAndRelease(this.ctx, session, reason)
    }
  }

}

function limitReached(session: StoredSession, now: number): string | null {
  if (session.expiresAt <= now) return `reservation expired at ${new Date(session.expiresAt).toISOString()}`
  const hardMax = (session.startedAt ?? session.createdAt) + MAX_RESERVATION_HOURS * 3_600_000
  if (!session.hardMaxOverride && hardMax <= now) return `the ${MAX_RESERVATION_HOURS}-hour hard maximum was reached`
  return null
}
