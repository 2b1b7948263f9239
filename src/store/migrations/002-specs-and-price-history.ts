/**
 * Provisioning by spec (a session remembers what was asked so it can fail over to the next
 * best offer), when a create was last sent (so a create with an unknown outcome is not
 * repeated before the provider had time to list it), GPU idleness read over SSH (kept in the
 * store so idle shutdown survives a restart), and per-refresh price history.
 */
export const sql = `
ALTER TABLE sessions ADD COLUMN spec_sku TEXT;
ALTER TABLE sessions ADD COLUMN spec_gpu_type_key TEXT;
ALTER TABLE sessions ADD COLUMN spec_gpu_count INTEGER;
ALTER TABLE sessions ADD COLUMN spec_region TEXT;
ALTER TABLE sessions ADD COLUMN spec_country TEXT;
ALTER TABLE sessions ADD COLUMN spec_max_price_micro INTEGER;
ALTER TABLE sessions ADD COLUMN spec_min_reliability REAL;
ALTER TABLE sessions ADD COLUMN offer_attempts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE sessions ADD COLUMN create_attempted_at INTEGER;
ALTER TABLE sessions ADD COLUMN idle_since INTEGER;
ALTER TABLE sessions ADD COLUMN last_gpu_sample_at INTEGER;
ALTER TABLE sessions ADD COLUMN last_gpu_utilization_pct REAL;

CREATE TABLE price_points (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  provider TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  gpu_type_key TEXT NOT NULL,
  at INTEGER NOT NULL,
  min_micro INTEGER NOT NULL,
  median_micro INTEGER NOT NULL,
  offer_count INTEGER NOT NULL
) STRICT;
CREATE INDEX price_points_by_gpu ON price_points (gpu_type_key, at);
`
