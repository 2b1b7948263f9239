import {allGpusIdle, GPU_QUERY_COMMAND, parseGpuUtilization} from '../core/gpu-utilization.js'
import {scrubSecrets} from '../log/logger.js'
import {runRemoteCommand} from '../ssh/run-command.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {releaseSession} from './session-service.js'
import {recordSessionEvent} from './session-transitions.js'

/** A GPU below this utilisation counts as idle. */
export const IDLE_UTILIZATION_PCT = 5

/**
 * Idle shutdown: reads GPU utilisation over SSH (the daemon's own key, the host key pinned at
 * verification) for running sessions that asked for it, and releases a session once every
 * GPU has read idle for its whole `idle_threshold_minutes`. The start of the idle stretch is
 * kept in the store, so a daemon restart does not reset it. A failed reading decides nothing.
 */
export class IdleMonitor {
  private running = false

  constructor(private readonly ctx: ServiceContext) {}

  async sampleAll(): Promise<number> {
    if (this.running) return 0
    this.running = true
    try {
      const {sessions} = await this.ctx.store.sessions.list({status: 'running', limit: 100_000})
      const watched = sessions.filter((s) => s.idleThresholdMinutes > 0 && s.sshHost && s.sshPort && s.sshUser)
      let released = 0
      for (let i = 0; i < watched.length; i += 8) {
        const results = await Promise.all(watched.slice(i, i + 8).map((s) => this.sample(s)))
        released += results.filter(Boolean).length
      }
      return released
    } finally {
      this.running = false
    }
  }

  /** One reading; true when it released the session. */
  async sample(session: StoredSession): Promise<boolean> {
    const {ctx} = this
    let idle: boolean
    let peak: number
    try {
      const result = await runRemoteCommand(
        {host: session.sshHost!, port: session.sshPort!, user: session.sshUser!, privateKey: ctx.daemonKey.privateKey, hostKeyFingerprint: session.sshHostKeyFingerprint},
        GPU_QUERY_COMMAND,
        15_000,
      )
      if (result.exitCode !== 0) throw new Error(`nvidia-smi exited with ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`)
      const gpus = parseGpuUtilization(result.stdout)
      idle = allGpusIdle(gpus, IDLE_UTILIZATION_PCT)
      peak = Math.max(...gpus.map((g) => g.utilizationPct))
    } catch (err) {
      ctx.log.warn({session_id: session.id, err: scrubSecrets(err instanceof Error ? err.message : String(err))}, 'GPU utilisation reading failed')
      return false
    }
    const now = ctx.clock.now()
    const idleSince = idle ? (session.idleSince ?? now) : null
    // The reading, its event and the release in one transaction, and only for a session still
    // running: one released or failed while the reading was taken is not released again.
    return ctx.store.transaction(async () => {
      if (!(await ctx.store.sessions.update(session.id, 'running', {idleSince, lastGpuSampleAt: now, lastGpuUtilizationPct: peak}, now))) return false
      if (idleSince !== null && session.idleSince === null) {
        await recordSessionEvent(ctx, session.id, 'idle', {actor: 'idle-monitor', message: `every GPU below ${IDLE_UTILIZATION_PCT}% utilisation; releasing after ${session.idleThresholdMinutes} idle minutes`})
      }
      if (idleSince === null || now - idleSince < session.idleThresholdMinutes * 60_000) return false
      await releaseSession(ctx, session.id, {
        actor: 'idle-monitor',
        message: `idle shutdown: every GPU below ${IDLE_UTILIZATION_PCT}% for ${Math.round((now - idleSince) / 60_000)} min (threshold ${session.idleThresholdMinutes} min)`,
      })
      return true
    })
  }
}
