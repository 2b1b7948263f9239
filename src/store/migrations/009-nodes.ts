/**
 * Self-hosted nodes: a team's own GPU servers, reached over SSH and carved into libvirt VMs.
 * A node row keeps where to connect, the host key pinned at registration, the owner's price,
 * and what the last discovery found (JSON, replaced whole at each check). The private key is
 * not here: only the path where the user keeps it.
 *
 * `node_slots` is what a session holds on a node (one row per GPU function it passes through,
 * or a CPU-only slice number). Its primary key is what stops two creates from getting the same
 * GPU: the rows are written in the session intent's transaction. They are freed by the trigger
 * when the session's instance is known gone (its stopped_at is set: destroyed and verified, or
 * never created), not merely when the session is marked failed, so that a GPU whose VM is still
 * being torn down is never handed to the next session.
 *
 * A node's CPU-only slices are offers without a GPU: the offers table is rebuilt (SQLite cannot
 * change a CHECK in place) to allow a GPU count of zero, with the same columns and indexes.
 */
export const sql = `
CREATE TABLE offers_rebuilt (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  gpu_type TEXT NOT NULL,
  gpu_type_key TEXT NOT NULL,
  gpu_count INTEGER NOT NULL CHECK (gpu_count >= 0),
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
  inet_down_mbps REAL,
  price_basis TEXT
) STRICT;
INSERT INTO offers_rebuilt SELECT * FROM offers;
DROP TABLE offers;
ALTER TABLE offers_rebuilt RENAME TO offers;
CREATE INDEX offers_by_gpu ON offers (gpu_type_key, available, price_per_hour_micro);
CREATE INDEX offers_by_provider ON offers (provider, fetched_at);
CREATE INDEX offers_by_price ON offers (available, price_per_hour_micro, id, provider);
CREATE INDEX offers_by_price_per_gpu ON offers (available, price_per_gpu_micro, id, provider);
CREATE INDEX offers_by_vram ON offers (available, vram_gb DESC, id, provider);
CREATE INDEX offers_by_reliability ON offers (available, reliability DESC, id, provider);
CREATE INDEX offers_by_fetched_at ON offers (available, fetched_at DESC, id, provider);

CREATE TABLE nodes (
  id TEXT PRIMARY KEY CHECK (id GLOB 'node-*'),
  name TEXT NOT NULL UNIQUE,
  host TEXT NOT NULL,
  port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
  user TEXT NOT NULL,
  identity_file TEXT NOT NULL,
  region TEXT NOT NULL,
  price_per_gpu_hour INTEGER NOT NULL CHECK (price_per_gpu_hour >= 0),
  cpu_slices INTEGER NOT NULL DEFAULT 0 CHECK (cpu_slices >= 0),
  cpu_slice_price_per_hour INTEGER NOT NULL DEFAULT 0 CHECK (cpu_slice_price_per_hour >= 0),
  libvirt_uri TEXT NOT NULL,
  storage_pool TEXT NOT NULL,
  network TEXT NOT NULL,
  base_image TEXT,
  virt_type TEXT NOT NULL DEFAULT 'auto' CHECK (virt_type IN ('auto', 'kvm', 'qemu')),
  host_key_fingerprint TEXT NOT NULL CHECK (host_key_fingerprint GLOB 'SHA256:*'),
  host_public_key TEXT NOT NULL,
  discovery TEXT,
  discovered_at INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

-- How SSH reaches a slice's guest: through its node (JSON: host, port, user, host key, identity file).
ALTER TABLE sessions ADD COLUMN ssh_jump TEXT;

CREATE TABLE node_slots (
  node_id TEXT NOT NULL REFERENCES nodes (id),
  slot TEXT NOT NULL,
  session_id TEXT NOT NULL REFERENCES sessions (id),
  reserved_at INTEGER NOT NULL,
  PRIMARY KEY (node_id, slot)
) STRICT;

CREATE INDEX node_slots_by_session ON node_slots (session_id);

CREATE TRIGGER node_slots_freed_when_stopped AFTER UPDATE OF stopped_at ON sessions
WHEN NEW.stopped_at IS NOT NULL
BEGIN
  DELETE FROM node_slots WHERE session_id = NEW.id;
END;
`
