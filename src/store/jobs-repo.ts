import type {SqlDatabase} from './sql/sql-database.js'

export const JOB_KINDS = ['provision', 'release', 'settle', 'preserve'] as const
export type JobKind = (typeof JOB_KINDS)[number]

export interface Job {
  id: number
  kind: JobKind
  sessionId: string | null
  status: 'queued' | 'running' | 'done' | 'failed'
  attempts: number
  /** Steps in a row that failed before this one (0 after a step that went well): what back-off follows. */
  failures: number
  runAt: number
  leaseUntil: number | null
  /** The server process holding the lease while the job runs. */
  leaseOwner: string | null
  lastError: string | null
}

interface JobRow {
  id: number
  kind: string
  session_id: string | null
  status: string
  attempts: number
  failures: number
  run_at: number
  lease_until: number | null
  lease_owner: string | null
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
   * Claims the next due job (queued and due, or running with an expired lease: its process
   * died) for `owner`, never one whose session has another job in hand, here or in another
   * process. On PostgreSQL the row is taken with SKIP LOCKED, so processes claiming at once
   * each get a different job without waiting on each other, and a session's claims are
   * serialised so two processes never start two of its jobs at once.
   */
  async claimNext(now: number, leaseMs: number, owner: string, busySessionIds: readonly string[] = []): Promise<Job | null> {
    return this.db.transaction(async () => {
      const passed: string[] = [...busySessionIds]
      for (;;) {
        const skip = passed.length ? `AND (session_id IS NULL OR NOT ${this.db.inList('session_id', '@passed')})` : ''
        const candidate = await this.db.get<{id: number; session_id: string | null}>(
          `SELECT id, session_id FROM jobs
           WHERE ((status = 'queued' AND run_at <= @now) OR (status = 'running' AND lease_until <= @now)) ${skip}
           ORDER BY run_at, id LIMIT 1 ${this.db.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : ''}`,
          {now, ...(passed.length ? {passed: this.db.list(passed)} : {})},
        )
        if (!candidate) return null
        if (candidate.session_id !== null) {
          await this.db.lockKey(`job-session:${candidate.session_id}`)
          const sibling = await this.db.get(
            "SELECT 1 AS busy FROM jobs WHERE session_id = ? AND id <> ? AND status = 'running' AND lease_until > ?",
            [candidate.session_id, candidate.id, now],
          )
          if (sibling) {
            passed.push(candidate.session_id)
            continue
          }
        }
        const row = await this.db.get<JobRow>(
          `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = ?, lease_owner = ?, updated_at = ?
           WHERE id = ? RETURNING *`,
          [now + leaseMs, owner, now, candidate.id],
        )
        return toJob(row!)
      }
    })
  }

  /** Extends the leases `owner` holds on jobs still running, so a long step is not taken over. */
  async renewLeases(owner: string, ids: readonly number[], until: number, now: number): Promise<number> {
    if (ids.length === 0) return 0
    return (
      await this.db.run(
        `UPDATE jobs SET lease_until = @until, updated_at = @now WHERE lease_owner = @owner AND status = 'running' AND ${this.db.inList('id', '@ids')}`,
        {until, now, owner, ids: this.db.list(ids)},
      )
    ).changes
  }

  /**
   * Hands back every lease at start-up, on SQLite only: one daemon owns that file
   * (daemon.lock), so a job still marked running was held by a daemon that died, and can run
   * again at once. On PostgreSQL other live processes hold leases; a dead one's run out.
   */
  async releaseAllLeases(now: number): Promise<number> {
    return (await this.db.run("UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, lease_owner = NULL, updated_at = ? WHERE status = 'running'", [now, now])).changes
  }

  /** Hands back the leases `owner` still holds (a graceful shutdown): other processes take the jobs at once. */
  async releaseLeasesOf(owner: string, now: number): Promise<number> {
    return (
      await this.db.run("UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, lease_owner = NULL, updated_at = ? WHERE status = 'running' AND lease_owner = ?", [
        now,
        now,
        owner,
      ])
    ).changes
  }

  /**
   * Puts the job back in the queue for another step at `runAt` (polling, retry after
   * back-off). Like `complete` and `fail`, only while `owner` still holds the lease: false when
   * it ran out and another process took the job over, whose outcome is the one that counts.
   */
  async reschedule(id: number, owner: string, runAt: number, now: number, lastError: string | null = null): Promise<boolean> {
    const {changes} = await this.db.run(
      `UPDATE jobs SET status = 'queued', run_at = ?, lease_until = NULL, lease_owner = NULL, last_error = coalesce(?, last_error),
         failures = CASE WHEN ? = 1 THEN failures + 1 ELSE 0 END, updated_at = ?
       WHERE id = ? AND status = 'running' AND lease_owner = ?`,
      [runAt, lastError, lastError === null ? 0 : 1, now, id, owner],
    )
    return changes === 1
  }

  async complete(id: number, owner: string, now: number): Promise<boolean> {
    const {changes} = await this.db.run(
      "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
      [now, id, owner],
    )
    return changes === 1
  }

  async fail(id: number, owner: string, error: string, now: number): Promise<boolean> {
    const {changes} = await this.db.run(
      "UPDATE jobs SET status = 'failed', lease_until = NULL, last_error = ?, updated_at = ? WHERE id = ? AND status = 'running' AND lease_owner = ?",
      [error, now, id, owner],
    )
    return changes === 1
  }

  /** Open (queued or running) jobs of a kind for a session. */
  async openFor(sessionId: string, kind: JobKind): Promise<Job[]> {
    const rows = await this.db.all<JobRow>("SELECT * FROM jobs WHERE session_id = ? AND kind = ? AND status IN ('queued', 'running')", [sessionId, kind])
    return rows.map(toJob)
  }

  /** Whether the session has ever had a job of this kind, open or ended. */
  async everHad(sessionId: string, kind: JobKind): Promise<boolean> {
    return (await this.db.get<{id: string}>('SELECT id FROM jobs WHERE session_id = ? AND kind = ? LIMIT 1', [sessionId, kind])) !== undefined
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
    failures: r.failures,
    runAt: r.run_at,
    leaseUntil: r.lease_until,
    leaseOwner: r.lease_owner,
    lastError: r.last_error,
  }
}
