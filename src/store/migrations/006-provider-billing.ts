/**
 * Billing on the provider's clock. `session_billing` holds, per instance, when and at what
 * rates the provider charges (storage from its create, compute from when it runs) and when it
 * confirmed the destroy; the ledger gets a `component` so storage and compute accrue side by
 * side, plus `settlement` rows that square a session with the provider's own bill (a settlement
 * can be negative and covers no time, so the ledger's checks are rebuilt around it).
 *
 * Sessions billed before this migration keep their old terms: compute at their price from
 * their start, no storage, and ended ones count as settled.
 */
export const sql = `
CREATE TABLE session_billing (
  session_id TEXT PRIMARY KEY REFERENCES sessions (id),
  storage_from INTEGER NOT NULL,
  storage_price_micro INTEGER NOT NULL CHECK (storage_price_micro >= 0),
  compute_from INTEGER,
  compute_price_micro INTEGER NOT NULL CHECK (compute_price_micro >= 0),
  ended_at INTEGER,
  settled_at INTEGER,
  provider_charge_micro INTEGER
) STRICT;
CREATE INDEX session_billing_running ON session_billing (session_id) WHERE ended_at IS NULL;

CREATE TABLE ledger_v6 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions (id),
  consumer_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  component TEXT NOT NULL CHECK (component IN ('compute', 'storage', 'settlement')),
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  price_per_hour_micro INTEGER NOT NULL,
  amount_micro INTEGER NOT NULL,
  CHECK (component = 'settlement' OR (amount_micro >= 0 AND period_end > period_start)),
  CHECK (component <> 'settlement' OR period_end = period_start),
  UNIQUE (session_id, component, period_start)
) STRICT;
INSERT INTO ledger_v6 (id, session_id, consumer_id, provider, gpu_type, component, period_start, period_end, price_per_hour_micro, amount_micro)
  SELECT id, session_id, consumer_id, provider, gpu_type, 'compute', period_start, period_end, price_per_hour_micro, amount_micro FROM ledger;
DROP TABLE ledger;
ALTER TABLE ledger_v6 RENAME TO ledger;
CREATE INDEX ledger_by_consumer ON ledger (consumer_id, period_start);
CREATE INDEX ledger_by_period ON ledger (period_start);
CREATE INDEX ledger_by_session ON ledger (session_id, component, period_end);

INSERT INTO session_billing (session_id, storage_from, storage_price_micro, compute_from, compute_price_micro, ended_at, settled_at)
  SELECT id, started_at, 0, started_at, price_per_hour_micro,
         CASE WHEN status IN ('stopped', 'failed') THEN coalesce(stopped_at, destroy_requested_at, updated_at) END,
         CASE WHEN status IN ('stopped', 'failed') THEN coalesce(stopped_at, destroy_requested_at, updated_at) END
  FROM sessions WHERE started_at IS NOT NULL;
`
