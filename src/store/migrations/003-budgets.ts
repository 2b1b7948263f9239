/**
 * Per-consumer monthly budgets (with the month their alert and their limit last fired), and
 * when a session's destroy request went out, so billing closes there even if the destruction
 * is only verified later (say, after a daemon restart).
 */
export const sql = `
CREATE TABLE consumer_budgets (
  consumer_id TEXT PRIMARY KEY,
  monthly_limit_micro INTEGER NOT NULL CHECK (monthly_limit_micro >= 0),
  alert_threshold REAL NOT NULL CHECK (alert_threshold >= 0 AND alert_threshold <= 1),
  on_limit TEXT NOT NULL CHECK (on_limit IN ('release', 'alert')),
  alerted_month TEXT,
  limit_reached_month TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

ALTER TABLE sessions ADD COLUMN destroy_requested_at INTEGER;
`
