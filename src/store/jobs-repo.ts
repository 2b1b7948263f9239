import type {Db} from './database.js'

export const JOB_KINDS = ['provision', 'release', 'settle'] as const
export type JobKind = (typeof JOB_KINDS)[number]

export interface Job {
  id: number
  kind: JobKind
  sessionId: string | null
  status: 'queued' | 'running' | 'done' | 'failed'
  attempts: number
  runAt: number
  leaseUntil: number | null
  lastError: string | null
}

interface JobRow {
  id: number
  kind: string
  session_id: string | null
  status: string
  attempts: number
  run_at: number
  lease_until: number | null
  last_error: string | null
}

/**
 * Durable work. A job is claimed with a lease; if the daemon dies mid-job, the lease runs
 * out and the next daemon takes the job again, so nothing that was promised is forgotten.
 */
export class JobsRepo {
  constructor(private readonly db: Db) {}

  enqueue(kind: JobKind, sessionId: string | null, runAt: number, now: number): number {
    const info = this.db
      .prepare("INSERT INTO jobs (kind, session_id, status, run_at, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?)")
      .run(kind, sessionId, runAt, now, now)
    return Number(info.lastInsertRowid)
  }

  /**
   * Claims the next due job (queued and due, or running with an expired lease), skipping
   * sessions that already have a job in hand.
   */
  claimNext(now: number, leaseMs: number, busySessionIds: readonly string[] = []): Job | null {
    return this.db.transaction(() => {
      const skip = busySessionIds.length ? `AND (session_id IS NULL OR session_id NOT IN (SELECT value FROM json_each(@busy)))` : ''
      const row = this.db
        .prepare(
          `SELECT * FROM jobs
           WHERE ((status = 'queued' AND run_at <= @now) OR (status = 'running' AND lease_until <= @now)) ${skip}
           ORDER BY run_at, id LIMIT 1`,
        )
        .get(busySessionIds.length ? {now, busy: JSON.stringify(busySessionIds)} : {now}) as JobRow | undefined
      if (!row) return null
      this.db
        .prepare("UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, updated_at = ? WHERE id = ?")
        .run(now + leaseMs, now, row.id)
      return toJob({...row, status: 'running', attempts: row.attempts + 1, lease_until: now + leaseMs})
    })()
  }

  /**
   * Hands back every lease at start-up: only one daemon owns a data dir (daemon.lock), so a
   * job still marked running was held by a daemon that died, and can run again at once.
   */
  releaseAllLeases(now: number): number {
    return this.db.prepare("UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, updated_at = ? WHERE status = 'running'").run(now, now).changes
  }

  /** Puts the job back in the queue for another step at `runAt` (polling, retry after back-off). */
  reschedule(id: number, runAt: number, now: number, lastError: string | null = null): void {
    this.db
      .prepare("UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, last_error = coalesce(?, last_error), updated_at = ? WHERE id = ?")
      .run(runAt, lastError, now, id)
  }

  complete(id: number, now: number): void {
    this.db.prepare("UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ? WHERE id = ?").run(now, id)
  }

  fail(id: number, error: string, now: number): void {
    this.db.prepare("UPDATE jobs SET status = 'failed', lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?").run(error, now, id)
  }

  /** Open (queued or running) jobs of a kind for a session. */
  openFor(sessionId: string, kind: JobKind): Job[] {
    const rows = this.db
      .prepare("SELECT * FROM jobs WHERE session_id = ? AND kind = ? AND status IN ('queued', 'running')")
      .all(sessionId, kind) as JobRow[]
    return rows.map(toJob)
  }

  /** Open jobs of a kind that have failed at least once: for release, destructions not yet verified. */
  countRetrying(kind: JobKind): number {
    return (this.db.prepare("SELECT count(*) AS n FROM jobs WHERE kind = ? AND status IN ('queued', 'running') AND attempts > 1").get(kind) as {n: number}).n
  }

  nextRunAt(): number | null {
    const row = this.db
      .prepare("SELECT min(CASE WHEN status = 'queued' THEN run_at ELSE lease_until END) AS t FROM jobs WHERE status IN ('queued', 'running')")
      .get() as {t: number | null}
    return row.t
  }
}

function toJob(r: JobRow): Job {
  return {
    id: r.id,
    kind: r.kind as JobKind,
    sessionId: r.session_id,
    status: r.status as Job['status'],
    attempts: r.attempts,
    runAt: r.run_at,
    leaseUntil: r.lease_until,
    lastError: r.last_error,
  }
}
