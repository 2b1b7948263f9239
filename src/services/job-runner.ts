import {scrubSecrets} from '../log/logger.js'
import type {Job, JobKind} from '../store/jobs-repo.js'
import type {ServiceContext} from './context.js'
import {runPreserveStep} from './preserve-job.js'
import {runProvisionStep, type JobOutcome} from './provision-job.js'
import {runReleaseStep} from './release-job.js'
import {runSettleStep} from './settle-job.js'

const HANDLERS: Record<JobKind, (ctx: ServiceContext, job: Job) => Promise<JobOutcome>> = {
  provision: runProvisionStep,
  release: runReleaseStep,
  settle: runSettleStep,
  preserve: runPreserveStep,
}

/**
 * How many job steps run at once. A step is almost all waiting (a provider call, its retries and
 * timeouts, an SSH handshake), which costs no CPU: with a handful of slots, a burst of creates
 * queued behind steps that were only waiting (390 creates under 30 % provider faults: half
 * still unsent after a minute). The cap only bounds sockets and memory; per-provider pacing is
 * the adapters' token buckets.
 */
const JOB_CONCURRENCY = 128

/** After the store failed a claim: soon, but not in a tight loop against a database that is down. */
const CLAIM_RETRY_MS = 1_000

/**
 * Claims due jobs with a lease and runs their steps, many at a time but never two for the
 * same session (in this process or any other on the database). Leases of steps still running
 * are renewed, so only a dead process's jobs are taken over; a stop hands back what is left.
 * `kick()` wakes it when new work is queued; otherwise it sleeps until the next job is due.
 */
export class JobRunner {
  private timer: NodeJS.Timeout | null = null
  private running = new Set<Promise<void>>()
  private busySessions = new Set<string>()
  /** Jobs whose steps run now: their leases are renewed while they do. */
  private held = new Set<number>()
  private renewal: NodeJS.Timeout | null = null
  private stopped = true
  /** The pass over the queue under way: one at a time, so two never claim for the same session. */
  private pumping: Promise<void> | null = null
  /** A wake-up arrived during the pass: it goes round once more instead of running alongside. */
  private pumpAgain = false

  constructor(private readonly ctx: ServiceContext, private readonly concurrency = JOB_CONCURRENCY) {}

  start(): void {
    this.stopped = false
    // A third of the lease: two renewals can fail (a database hiccup) before another process may take over.
    this.renewal = setInterval(() => void this.renewLeases(), Math.max(50, this.ctx.timings.jobLeaseMs / 3))
    this.renewal.unref?.()
    this.kick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    // A pass may be between a claim and the start of its step: wait for it, then for the steps.
    await this.pumping
    await Promise.allSettled([...this.running])
    if (this.renewal) clearInterval(this.renewal)
    this.renewal = null
    // A step whose outcome could not be written keeps its lease: hand it back now, not when it runs out.
    const handedBack = await this.ctx.store.jobs.releaseLeasesOf(this.ctx.processId, this.ctx.clock.now()).catch(() => 0)
    if (handedBack) this.ctx.log.info({jobs: handedBack}, 'handed back job leases')
  }

  private async renewLeases(): Promise<void> {
    if (this.held.size === 0) return
    const now = this.ctx.clock.now()
    try {
      await this.ctx.store.jobs.renewLeases(this.ctx.processId, [...this.held], now + this.ctx.timings.jobLeaseMs, now)
    } catch (err) {
      this.ctx.log.warn({err: scrubSecrets(err instanceof Error ? err.message : String(err))}, 'renewing job leases failed')
    }
  }

  kick(): void {
    if (this.stopped) return
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.pump(), 0)
  }

  private async pump(): Promise<void> {
    this.timer = null
    if (this.stopped) return
    if (this.pumping) {
      this.pumpAgain = true
      return
    }
    this.pumping = this.pumpWhileWoken()
    await this.pumping
    this.pumping = null
  }

  private async pumpWhileWoken(): Promise<void> {
    do {
      this.pumpAgain = false
      try {
        await this.startDueJobs()
        await this.scheduleNext()
      } catch (err) {
        // The store failed us: no job was lost (a claimed one comes back when its lease ends), so try again shortly.
        this.ctx.log.error({err: scrubSecrets(err instanceof Error ? err.message : String(err))}, 'claiming jobs failed')
        this.wakeIn(CLAIM_RETRY_MS)
      }
    } while (this.pumpAgain && !this.stopped)
  }

  private async startDueJobs(): Promise<void> {
    while (!this.stopped && this.running.size < this.concurrency) {
      const job = await this.claim()
      if (!job) break
      const task = this.execute(job)
        .catch((err: unknown) => {
          // Writing the outcome back failed: the job keeps its lease and is taken again when it runs out.
          this.ctx.log.error({job_id: job.id, kind: job.kind, session_id: job.sessionId, err: scrubSecrets(err instanceof Error ? err.message : String(err))}, 'recording a job step failed')
        })
        .finally(() => {
          this.running.delete(task)
          this.kick()
        })
      this.running.add(task)
    }
  }

  private async claim(): Promise<Job | null> {
    const now = this.ctx.clock.now()
    const job = await this.ctx.store.jobs.claimNext(now, this.ctx.timings.jobLeaseMs, this.ctx.processId, [...this.busySessions])
    if (job?.sessionId) this.busySessions.add(job.sessionId)
    if (job) this.held.add(job.id)
    return job
  }

  private async execute(job: Job): Promise<void> {
    const {store, clock, log, processId} = this.ctx
    let recorded: boolean
    try {
      const outcome = await HANDLERS[job.kind](this.ctx, job)
      recorded = outcome.done
        ? await store.jobs.complete(job.id, processId, clock.now())
        : await store.jobs.reschedule(job.id, processId, clock.now() + outcome.retryInMs, clock.now(), outcome.error ?? null)
    } catch (err) {
      // A bug or an unexpected provider reply: keep the job alive with back-off rather than
      // forget a paid instance.
      const message = scrubSecrets(err instanceof Error ? err.message : String(err))
      log.error({job_id: job.id, kind: job.kind, session_id: job.sessionId, err: message}, 'job step failed')
      recorded = await store.jobs.reschedule(job.id, processId, clock.now() + Math.min(this.ctx.timings.retryMaxMs, 1_000 * 2 ** (job.failures + 1)), clock.now(), message)
    } finally {
      this.held.delete(job.id)
      if (job.sessionId) this.busySessions.delete(job.sessionId)
    }
    // Its lease ran out mid-step (this process stalled) and another took the job: that one's outcome stands.
    if (!recorded) log.warn({job_id: job.id, kind: job.kind, session_id: job.sessionId}, 'job lease lost before its step was recorded')
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped || this.timer || this.running.size >= this.concurrency) return
    const next = await this.ctx.store.jobs.nextRunAt()
    if (next === null) return
    this.wakeIn(Math.max(10, Math.min(next - this.ctx.clock.now(), 5_000)))
  }

  private wakeIn(delayMs: number): void {
    if (this.stopped || this.timer) return
    this.timer = setTimeout(() => void this.pump(), delayMs)
    this.timer.unref?.()
  }
}
