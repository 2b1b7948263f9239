/** SQLite's migration 015: offer and host health, and retry chains; see there. */
export const sql = `
ALTER TABLE offers ADD COLUMN host_id text;
ALTER TABLE sessions ADD COLUMN host_id text;
ALTER TABLE sessions ADD COLUMN max_retries integer NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN retry_scope text;
ALTER TABLE sessions ADD COLUMN ssh_timeout_ms bigint;
ALTER TABLE sessions ADD COLUMN retry_of text;
ALTER TABLE sessions ADD COLUMN retried_as text;
ALTER TABLE sessions ADD COLUMN retry_attempt integer NOT NULL DEFAULT 0;
CREATE TABLE provision_outcomes (
  session_id text NOT NULL,
  provider text NOT NULL,
  offer_id text NOT NULL,
  host_id text,
  succeeded smallint NOT NULL CHECK (succeeded IN (0, 1)),
  kind text NOT NULL,
  detail text,
  at bigint NOT NULL,
  PRIMARY KEY (session_id, offer_id)
);
CREATE INDEX provision_outcomes_by_host ON provision_outcomes (host_id, at);
CREATE INDEX provision_outcomes_by_offer ON provision_outcomes (offer_id, at);
CREATE INDEX provision_outcomes_by_time ON provision_outcomes (at);
`
