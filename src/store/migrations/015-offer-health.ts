/**
 * Offer and host health, and retrying a failed host (issue 16, items 3 and 4):
 * - `offers.host_id`: the machine an offer runs on (`<provider>:<machine>`), so failures follow
 *   the machine when the marketplace lists it again under a new offer id;
 * - `sessions.host_id`: the host the session was rented on, recorded with the session so its
 *   outcome is attributed even after the offer left the market;
 * - `sessions.max_retries`, `retry_scope`, `ssh_timeout_ms`: the session's auto-retry terms;
 *   `retry_of` / `retried_as` / `retry_attempt` chain a failed try to the session that took
 *   its place on the next comparable offer;
 * - `provision_outcomes`: how provisioning on each offer a session tried ended (running, or
 *   failed on the host or offer; a session that failed over has one per offer), read with a
 *   decay for each offer's availability confidence.
 */
export const sql = `
ALTER TABLE offers ADD COLUMN host_id TEXT;
ALTER TABLE sessions ADD COLUMN host_id TEXT;
ALTER TABLE sessions ADD COLUMN max_retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN retry_scope TEXT;
ALTER TABLE sessions ADD COLUMN ssh_timeout_ms INTEGER;
ALTER TABLE sessions ADD COLUMN retry_of TEXT;
ALTER TABLE sessions ADD COLUMN retried_as TEXT;
ALTER TABLE sessions ADD COLUMN retry_attempt INTEGER NOT NULL DEFAULT 0;
CREATE TABLE provision_outcomes (
  session_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  offer_id TEXT NOT NULL,
  host_id TEXT,
  succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1)),
  kind TEXT NOT NULL,
  detail TEXT,
  at INTEGER NOT NULL,
  PRIMARY KEY (session_id, offer_id)
) STRICT;
CREATE INDEX provision_outcomes_by_host ON provision_outcomes (host_id, at);
CREATE INDEX provision_outcomes_by_offer ON provision_outcomes (offer_id, at);
CREATE INDEX provision_outcomes_by_time ON provision_outcomes (at);
`
