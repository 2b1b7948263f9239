/**
 * The first schema. Money is integer micro-USD (`*_micro`), times are epoch ms, every table
 * is STRICT so a float can never sneak into a money column.
 */
export const sql = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE offers (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  gpu_type_key TEXT NOT NULL,
  gpu_count INTEGER NOT NULL CHECK (gpu_count > 0),
  vram_gb INTEGER NOT NULL,
  price_per_hour_micro INTEGER NOT NULL CHECK (price_per_hour_micro >= 0),
  price_per_gpu_micro INTEGER NOT NULL,
  location TEXT NOT NULL,
  location_key TEXT NOT NULL,
  country_code TEXT,
  reliability REAL,
  available INTEGER NOT NULL CHECK (available IN (0, 1)),
  fetched_at INTEGER NOT NULL,
  cuda_version REAL,
  disk_gb REAL,
  cpu_cores REAL,
  ram_gb REAL,
  inet_down_mbps REAL
) STRICT;
CREATE INDEX offers_by_price ON offers (available, price_per_hour_micro);
CREATE INDEX offers_by_gpu ON offers (gpu_type_key, available, price_per_hour_micro);
CREATE INDEX offers_by_provider ON offers (provider, fetched_at);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  consumer_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  provider_instance_id TEXT,
  offer_id TEXT NOT NULL,
  offer_provider_id TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  gpu_count INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed')),
  ssh_host TEXT,
  ssh_port INTEGER,
  ssh_user TEXT,
  ssh_public_key TEXT NOT NULL,
  ssh_host_key_fingerprint TEXT,
  workload_type TEXT NOT NULL,
  reservation_hours INTEGER NOT NULL,
  price_per_hour_micro INTEGER NOT NULL CHECK (price_per_hour_micro >= 0),
  disk_gb INTEGER NOT NULL,
  storage_policy TEXT NOT NULL,
  idle_threshold_minutes INTEGER NOT NULL,
  template_hash_id TEXT,
  hard_max_override INTEGER NOT NULL CHECK (hard_max_override IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  started_at INTEGER,
  expires_at INTEGER NOT NULL,
  stopped_at INTEGER,
  failure_reason TEXT
) STRICT;
CREATE INDEX sessions_by_status ON sessions (status);
CREATE INDEX sessions_by_consumer ON sessions (consumer_id, created_at);
CREATE INDEX sessions_by_instance ON sessions (provider, provider_instance_id);

CREATE TABLE session_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions (id),
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT,
  actor TEXT NOT NULL,
  message TEXT NOT NULL
) STRICT;
CREATE INDEX session_events_by_session ON session_events (session_id, id);

CREATE TABLE ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL REFERENCES sessions (id),
  consumer_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  period_start INTEGER NOT NULL,
  period_end INTEGER NOT NULL,
  price_per_hour_micro INTEGER NOT NULL,
  amount_micro INTEGER NOT NULL CHECK (amount_micro >= 0),
  CHECK (period_end > period_start),
  UNIQUE (session_id, period_start)
) STRICT;
CREATE INDEX ledger_by_consumer ON ledger (consumer_id, period_start);
CREATE INDEX ledger_by_period ON ledger (period_start);

CREATE TABLE idempotency_keys (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  resource_id TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  session_id TEXT REFERENCES sessions (id),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  lease_until INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_by_session ON jobs (session_id, kind, status);
`
