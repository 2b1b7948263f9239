/**
 * Roles that one server process at a time plays (a provider's market refresh, the periodic
 * reconciler, the lifecycle sweep): `hold` says whether this process plays one now, taking it
 * when it is free. On PostgreSQL each role is a session advisory lock on a connection of its
 * own: when the process dies its connection closes, the server frees the lock, and the next
 * process to ask takes the role over. On SQLite one process owns the database, so it plays all.
 */
export interface LeaderLocks {
  hold(role: string): Promise<boolean>
  /** The roles this process plays now (for /ready and metrics). */
  held(): readonly string[]
  /** Gives every role up, for another process to take at once (a graceful shutdown). */
  close(): Promise<void>
}

export class SoleLeader implements LeaderLocks {
  private readonly roles = new Set<string>()

  async hold(role: string): Promise<boolean> {
    this.roles.add(role)
    return true
  }

  held(): readonly string[] {
    return [...this.roles]
  }

  async close(): Promise<void> {
    this.roles.clear()
  }
}
