import type {SqlDatabase} from './sql/sql-database.js'

/** A provider's market refresh as the process that refreshes it last recorded it. */
export interface ProviderRefreshState {
  lastAttemptAt: number | null
  lastSuccessAt: number | null
  lastError: string | null
  consecutiveFailures: number
  offers: number
  nextRefreshAt: number | null
}

interface ProviderRefreshRow {
  last_attempt_at: number | null
  last_success_at: number | null
  last_error: string | null
  consecutive_failures: number
  offers: number
  next_refresh_at: number | null
}

/** Shared so every server process reports the same freshness as the one that refreshes. */
export class ProviderRefreshRepo {
  constructor(private readonly db: SqlDatabase) {}

  async get(provider: string): Promise<ProviderRefreshState | null> {
    const row = await this.db.get<ProviderRefreshRow>('SELECT * FROM provider_refresh WHERE provider = ?', [provider])
    if (!row) return null
    return {
      lastAttemptAt: row.last_attempt_at,
      lastSuccessAt: row.last_success_at,
      lastError: row.last_error,
      consecutiveFailures: row.consecutive_failures,
      offers: row.offers,
      nextRefreshAt: row.next_refresh_at,
    }
  }

  async save(provider: string, state: ProviderRefreshState, now: number): Promise<void> {
    await this.db.run(
      `INSERT INTO provider_refresh (provider, last_attempt_at, last_success_at, last_error, consecutive_failures, offers, next_refresh_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider) DO UPDATE SET last_attempt_at = excluded.last_attempt_at, last_success_at = excluded.last_success_at,
         last_error = excluded.last_error, consecutive_failures = excluded.consecutive_failures, offers = excluded.offers,
         next_refresh_at = excluded.next_refresh_at, updated_at = excluded.updated_at`,
      [provider, state.lastAttemptAt, state.lastSuccessAt, state.lastError, state.consecutiveFailures, state.offers, state.nextRefreshAt, now],
    )
  }
}
