import {scrubSecrets} from '../log/logger.js'
import type {ServiceContext} from './context.js'
import {accrueAll} from './cost-service.js'
import type {Reconciler} from './reconciler.js'
import {releaseSession} from './session-service.js'

/**
 * The daemon's heartbeat: bills running sessions into the ledger and releases sessions whose
 * reservation has run out. It reads everything from the store, so it enforces the same
 * limits after a restart as before it.
 */
export class LifecycleWorker {
  private timer: NodeJS.Timeout | null = null
  private reconcileTimer: NodeJS.Timeout | null = null

  constructor(
    private readonly ctx: ServiceContext,
    private readonly onWork: () => void,
    private readonly reconciler: Reconciler,
  ) {}

  start(): void {
    this.tick()
    this.timer = setInterval(() => this.tick(), this.ctx.timings.lifecycleIntervalMs)
    this.timer.unref?.()
    this.reconcileTimer = setInterval(() => void this.reconcile(), this.ctx.timings.reconcileIntervalMs)
    this.reconcileTimer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    if (this.reconcileTimer) clearInterval(this.reconcileTimer)
    this.timer = null
    this.reconcileTimer = null
  }

  tick(): void {
    try {
      accrueAll(this.ctx)
      this.releaseExpired()
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

  private releaseExpired(): void {
    const now = this.ctx.clock.now()
    const {sessions} = this.ctx.store.sessions.list({statuses: ['pending', 'provisioning', 'running'], limit: 100_000})
    let released = 0
    for (const session of sessions) {
      if (session.expiresAt > now) continue
      releaseSession(this.ctx, session.id, {actor: 'lifecycle', message: `reservation expired at ${new Date(session.expiresAt).toISOString()}`})
      released++
    }
    if (released) this.onWork()
  }
}
