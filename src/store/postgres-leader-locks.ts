import {Mutex} from 'async-mutex'
import pg from 'pg'

import type {LeaderLocks} from './leader-locks.js'

/**
 * Leader roles on PostgreSQL: each a session advisory lock on a connection of its own, freed by
 * the server the moment that connection breaks (a process that dies gives its roles up).
 */
export class PostgresLeaderLocks implements LeaderLocks {
  private client: pg.Client | null = null
  private connecting: Promise<pg.Client> | null = null
  private readonly roles = new Set<string>()
  private closed = false
  /** One question at a time on the one connection (several workers ask at once). */
  private readonly asking = new Mutex()

  constructor(private readonly url: string) {}

  hold(role: string): Promise<boolean> {
    return this.asking.runExclusive(() => this.take(role))
  }

  private async take(role: string): Promise<boolean> {
    if (this.closed) return false
    if (this.roles.has(role) && this.client) return true
    try {
      const client = await this.connection()
      const {rows} = await client.query<{held: boolean}>('SELECT pg_try_advisory_lock(hashtextextended($1, 1)) AS held', [`gpu-shopper:${role}`])
      if (rows[0]?.held) this.roles.add(role)
      return rows[0]?.held ?? false
    } catch {
      // A connection that failed holds nothing: the next call connects again and competes afresh.
      this.drop()
      return false
    }
  }

  held(): readonly string[] {
    return [...this.roles]
  }

  async close(): Promise<void> {
    this.closed = true
    const client = this.client ?? (await this.connecting?.catch(() => null)) ?? null
    this.client = client
    this.drop()
    await client?.end().catch(() => undefined)
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= (async () => {
      const client = new pg.Client({connectionString: this.url, application_name: 'gpu-shopper leader locks'})
      // The server freed every lock this connection held the moment it broke.
      client.on('error', () => this.drop())
      client.on('end', () => this.drop())
      await client.connect()
      this.client = client
      return client
    })().finally(() => (this.connecting = null))
    return this.connecting
  }

  /** Forgets the connection and its roles; ends it, so no lock outlives what this process believes it holds. */
  private drop(): void {
    const client = this.client
    this.client = null
    this.roles.clear()
    void client?.end().catch(() => undefined)
  }
}
