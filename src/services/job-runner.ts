import {scrubSecrets} from '../log/logger.js'
import type {Job, JobKind} from '../store/jobs-repo.js'
import type {ServiceContext} from './context.js'
import {runProvisionStep, type JobOutcome} from './provision-job.js'
import {runReleaseStep} from './release-job.js'
import {runSettleStep} from './settle-job.js'

const HANDLERS: Record<JobKind, (ctx: ServiceContext, job: Job) => Promise<JobOutcome>> = {
  provision: runProvisionStep,
  release: runReleaseStep,
  settle: runSettleStep,
}

/**
 * How many job steps run at once. A step is almost all waiting (a provider call, its retries and
 * timeouts, an SSH handshake), which costs no CPU: with a handful of slots, a burst of creates
 * queued behind steps that were only waiting (390 creates under 30 % provider faults: half
 * still unsent after a minute). The cap only bounds sockets and memory; per-provider pacing is
 * the adapters' token buckets.
 */
const JOB_CONCURRENCY = 128

/**
 * Claims due jobs with a lease and runs their steps, many at a time but never two for the
 * same session. `kick()` wakes it when new work is queued; otherwise it sleeps until the
 * next job is due.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null
  private running = new Set<Promise<void>>()
  private busySessions = new Set<string>()
  private stopped = true

  constructor(private readonly ctx: ServiceContext, private readonly concurrency = JOB_CONCURRENCY) {}

  start(): void {
    this.stopped = false
    this.kick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await Promise.allSettled([...this.running])
  }

  kick(): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.pump(), 0)
  }

  private pump(): void {
    this.timer = null
    if (this.stopped) return
    while (this.running.size < this.concurrency) {
      const job = this.claim()
      if (!job) break
      const task = this.execute(job).finally(() => {
        this.running.delete(task)
        this.kick()
      })
      this.running.add(task)
    }
    this.scheduleNext()
  }

  private claim(): Job | null {
    const now = this.ctx.clock.now()
    const job = this.ctx.store.jobs.claimNext(now, this.ctx.timings.jobLeaseMs, [...this.busySessions])
    if (job?.sessionId) this.busySessions.add(job.sessionId)
    return job
  }

  private async execute(job: Job): Promise<void> {
    const {store, clock, log} = this.ctx
    try {
      const outcome = await HANDLERS[job.kind](this.ctx, job)
      if (outcome.done) store.jobs.complete(job.id, clock.now())
      else store.jobs.reschedule(job.id, clock.now() + outcome.retryInMs, clock.now(), outcome.error ?? null)
    } catch (err) {
      // A bug or an unexpected provider reply: keep the job alive with back-off rather than
      // forget a paid instance.
      const message = scrubSecrets(err instanceof Error ? err.message : String(err))
      log.error({job_id: job.id, kind: job.kind, session_id: job.sessionId, err: message}, 'job step failed')
      store.jobs.reschedule(job.id, clock.now() + Math.min(60_000, 1_000 * 2 ** job.attempts), clock.now(), message)
    } finally {
      if (job.sessionId) this.busySessions.delete(job.sessionId)
    }
  }

  private scheduleNext(): void {
    if (this.stopped || this.timer || this.running.size >= this.concurrency) return
    const next = this.ctx.store.jobs.nextRunAt()
    if (next === null) return
    const delay = Math.max(10, Math.min(next - this.ctx.clock.now(), 5_000))
    this.timer = setTimeout(() => this.pump(), delay)
    this.timer.unref?.()
  }
}
