/**
 * What several server processes on one database must share (the team server on PostgreSQL;
 * the solo daemon uses the same tables, as the only process):
 * - which process holds a job's lease, so only it completes the job and a graceful shutdown
 *   hands back its own leases and nobody else's; and how many of a job's steps in a row
 *   failed, so back-off follows failures, not the polls of a job that was doing fine;
 * - each provider's market refresh as the process refreshing it saw it, so every process
 *   reports the same freshness and waits for the same first load;
 * - browser terminal tokens (their SHA-256), minted on one process and opened on another;
 * - per-user rate limit buckets.
 */
export const sql = `
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
ALTER TABLE jobs ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;

CREATE TABLE provider_refresh (
  provider TEXT PRIMARY KEY,
  last_attempt_at INTEGER,
  last_success_at INTEGER,
  last_error TEXT,
  consecutive_failures INTEGER NOT NULL DEFAULT 0,
  offers INTEGER NOT NULL DEFAULT 0,
  next_refresh_at INTEGER,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE terminal_tokens (
  token_hash TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  principal TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX terminal_tokens_by_expiry ON terminal_tokens (expires_at);

CREATE TABLE rate_limit_buckets (
  key TEXT PRIMARY KEY,
  tokens REAL NOT NULL,
  refilled_at INTEGER NOT NULL,
  allowed INTEGER NOT NULL
) STRICT;
`
