/**
 * Tenancy for the team server. Every row a user owns names its tenant; the solo daemon's rows
 * (and every row from before this migration) belong to its one tenant, `local`. Sessions also
 * name the user who created them. Ledger rows carry their session's tenant so costs are summed
 * per tenant from one index. SSH keys and budgets are per tenant, so the same fingerprint or
 * consumer id may exist in two tenants: both tables are rebuilt for their new keys (SQLite
 * cannot change a UNIQUE or PRIMARY KEY in place). Self-hosted nodes belong to the tenant that
 * registered them, and so do the offers made from them (market offers have no tenant).
 *
 * The audit log records every mutating request: who (user, tenant, role), what (method, route,
 * target id), when, its request id and outcome. Triggers make it append-only.
 */
export const sql = `
ALTER TABLE sessions ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'local';
ALTER TABLE sessions ADD COLUMN created_by TEXT NOT NULL DEFAULT 'local';
CREATE INDEX sessions_by_tenant ON sessions (tenant_id, created_at);

ALTER TABLE ledger ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'local';
CREATE INDEX ledger_by_tenant ON ledger (tenant_id, consumer_id, period_start);

CREATE TABLE ssh_keys_rebuilt (
  id TEXT PRIMARY KEY CHECK (id GLOB 'ssh-key-*'),
  tenant_id TEXT NOT NULL DEFAULT 'local',
  title TEXT NOT NULL,
  key_type TEXT NOT NULL,
  public_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL CHECK (fingerprint GLOB 'SHA256:*'),
  created_by TEXT NOT NULL DEFAULT 'local',
  created_at INTEGER NOT NULL,
  UNIQUE (tenant_id, fingerprint)
) STRICT;
INSERT INTO ssh_keys_rebuilt (id, title, key_type, public_key, fingerprint, created_at)
  SELECT id, title, key_type, public_key, fingerprint, created_at FROM ssh_keys;
DROP TABLE ssh_keys;
ALTER TABLE ssh_keys_rebuilt RENAME TO ssh_keys;

CREATE TABLE consumer_budgets_rebuilt (
  tenant_id TEXT NOT NULL DEFAULT 'local',
  consumer_id TEXT NOT NULL,
  monthly_limit_micro INTEGER NOT NULL CHECK (monthly_limit_micro >= 0),
  alert_threshold REAL NOT NULL CHECK (alert_threshold >= 0 AND alert_threshold <= 1),
  on_limit TEXT NOT NULL CHECK (on_limit IN ('release', 'alert')),
  alerted_month TEXT,
  limit_reached_month TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, consumer_id)
) STRICT;
INSERT INTO consumer_budgets_rebuilt (consumer_id, monthly_limit_micro, alert_threshold, on_limit, alerted_month, limit_reached_month, created_at, updated_at)
  SELECT consumer_id, monthly_limit_micro, alert_threshold, on_limit, alerted_month, limit_reached_month, created_at, updated_at FROM consumer_budgets;
DROP TABLE consumer_budgets;
ALTER TABLE consumer_budgets_rebuilt RENAME TO consumer_budgets;

ALTER TABLE nodes ADD COLUMN tenant_id TEXT NOT NULL DEFAULT 'local';
ALTER TABLE offers ADD COLUMN tenant_id TEXT;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  tenant_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  role TEXT NOT NULL,
  method TEXT NOT NULL,
  route TEXT NOT NULL,
  target TEXT,
  request_id TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'error'))
) STRICT;
CREATE INDEX audit_by_tenant ON audit_log (tenant_id, id);
CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`
