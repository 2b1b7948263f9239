import {scrubSecrets} from '../log/logger.js'
import type {ServiceContext} from './context.js'
import {accrueAll} from './cost-service.js'
import {releaseSession} from './session-service.js'

/**
 * The daemon's heartbeat: bills running sessions into the ledger and releases sessions whose
 * reservation has run out. It reads everything from the store, so it enforces the same
 * limits after a restart as before it.
 */
export class LifecycleWorker {
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly ctx: ServiceContext, private readonly onWork: () => void) {}

  start(): void {
    this.tick()
    this.timer = setInterval(() => this.tick(), this.ctx.timings.lifecycleIntervalMs)
    this.timer.unref?.()
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
  }

  tick(): void {
    try {
      accrueAll(this.ctx)
      this.releaseExpired()
      this.ctx.store.idempotency.deleteExpired(this.ctx.clock.now())
    } catch (err) {
      this.ctx.log.error({err: scrubSecrets(String(err))}, 'lifecycle tick failed')
    }
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
