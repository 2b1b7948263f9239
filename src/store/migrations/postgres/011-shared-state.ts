/** SQLite's migration 11 (../011-shared-state.ts), in PostgreSQL's terms. */
export const sql = `
ALTER TABLE jobs ADD COLUMN lease_owner text;
ALTER TABLE jobs ADD COLUMN failures bigint NOT NULL DEFAULT 0;

CREATE TABLE provider_refresh (
  provider text PRIMARY KEY,
  last_attempt_at bigint,
  last_success_at bigint,
  last_error text,
  consecutive_failures bigint NOT NULL DEFAULT 0,
  offers bigint NOT NULL DEFAULT 0,
  next_refresh_at bigint,
  updated_at bigint NOT NULL
);

CREATE TABLE terminal_tokens (
  token_hash text PRIMARY KEY,
  session_id text NOT NULL,
  principal text NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX terminal_tokens_by_expiry ON terminal_tokens (expires_at);

CREATE TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL,
  refilled_at bigint NOT NULL,
  allowed bigint NOT NULL
);
`
