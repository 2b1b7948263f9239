import type {SqlDatabase} from './sql/sql-database.js'

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
  constructor(private readonly db: SqlDatabase) {}

  async enqueue(kind: JobKind, sessionId: string | null, runAt: number, now: number): Promise<number> {
    const row = await this.db.get<{id: number}>(
      "INSERT INTO jobs (kind, session_id, status, run_at, created_at, updated_at) VALUES (?, ?, 'queued', ?, ?, ?) RETURNING id",
      [kind, sessionId, runAt, now, now],
    )
    return row!.id
  }

  /**
   * Claims the next due job (queued and due, or running with an expired lease), skipping
   * sessions that already have a job in hand. On PostgreSQL the row is locked with SKIP
   * LOCKED, so processes claiming at once each get a different job and never wait on each other.
   */
  async claimNext(now: number, leaseMs: number, busySessionIds: readonly string[] = []): Promise<Job | null> {
    const skip = busySessionIds.length ? `AND (session_id IS NULL OR NOT ${this.db.inList('session_id', '@busy')})` : ''
    const due = `SELECT id FROM jobs
      WHERE ((status = 'queued' AND run_at <= @now) OR (status = 'running' AND lease_until <= @now)) ${skip}
      ORDER BY run_at, id LIMIT 1 ${this.db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : ''}`
    const row = await this.db.get<JobRow>(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = @lease, updated_at = @now
       WHERE id = (${due}) RETURNING *`,
      {now, lease: now + leaseMs, ...(busySessionIds.length ? {busy: this.db.list(busySessionIds)} : {})},
    )
    return row ? toJob(row) : null
  }

  /**
   * Hands back every lease at start-up: only one daemon owns a data dir (daemon.lock), so a
   * job still marked running was held by a daemon that died, and can run again at once.
   */
  async releaseAllLeases(now: number): Promise<number> {
    return (await this.db.run("UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, updated_at = ? WHERE status = 'running'", [now, now])).changes
  }

  /** Puts the job back in the queue for another step at `runAt` (polling, retry after back-off). */
  async reschedule(id: number, runAt: number, now: number, lastError: string | null = null): Promise<void> {
    await this.db.run(
      "UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, last_error = coalesce(?, last_error), updated_at = ? WHERE id = ?",
      [runAt, lastError, now, id],
    )
  }

  async complete(id: number, now: number): Promise<void> {
    await this.db.run("UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ? WHERE id = ?", [now, id])
  }

  async fail(id: number, error: string, now: number): Promise<void> {
    await this.db.run("UPDATE jobs SET status = 'failed', lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ?", [error, now, id])
  }

  /** Open (queued or running) jobs of a kind for a session. */
  async openFor(sessionId: string, kind: JobKind): Promise<Job[]> {
    const rows = await this.db.all<JobRow>("SELECT * FROM jobs WHERE session_id = ? AND kind = ? AND status IN ('queued', 'running')", [sessionId, kind])
    return rows.map(toJob)
  }

  /** Open jobs of a kind that have failed at least once: for release, destructions not yet verified. */
  async countRetrying(kind: JobKind): Promise<number> {
    const row = await this.db.get<{n: number}>("SELECT count(*) AS n FROM jobs WHERE kind = ? AND status IN ('queued', 'running') AND attempts > 1", [kind])
    return row!.n
  }

  async nextRunAt(): Promise<number | null> {
    const row = await this.db.get<{t: number | null}>(
      "SELECT min(CASE WHEN status = 'queued' THEN run_at ELSE lease_until END) AS t FROM jobs WHERE status IN ('queued', 'running')",
    )
    return row!.t
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
