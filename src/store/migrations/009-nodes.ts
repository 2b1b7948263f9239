/**
 * Self-hosted nodes: a team's own GPU servers, reached over SSH and carved into libvirt VMs.
 * A node row keeps where to connect, the host key pinned at registration, the owner's price,
 * and what the last discovery found (JSON, replaced whole at each check). The private key is
 * not here: only the path where the user keeps it.
 *
 * `node_slots` is what a session holds on a node (one row per GPU function it passes through,
 * or a CPU-only slice number). Its primary key is what stops two creates from getting the same
 * GPU: the rows are written in the session intent's transaction, and deleted when it ends.
 */
export const sql = `
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
  host_key_fingerprint TEXT NOT NULL CHECK (host_key_fingerprint GLOB 'SHA256:*'),
  host_public_key TEXT NOT NULL,
  discovery TEXT,
  discovered_at INTEGER,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE node_slots (
  node_id TEXT NOT NULL REFERENCES nodes (id),
  slot TEXT NOT NULL,
  session_id TEXT NOT NULL REFERENCES sessions (id),
  reserved_at INTEGER NOT NULL,
  PRIMARY KEY (node_id, slot)
) STRICT;

CREATE INDEX node_slots_by_session ON node_slots (session_id);
`
