/**
 * The SSH key registry (public keys only), which registered keys each session injected (with
 * the key line as it was at create time, so a later delete or a crash-and-retry injects the
 * same keys), the instance's full host key pinned at verification (a `known_hosts` line needs
 * more than the fingerprint), and an encrypted server-generated private key kept with its
 * idempotency record so a replayed create can return it again.
 */
export const sql = `
CREATE TABLE ssh_keys (
  id TEXT PRIMARY KEY CHECK (id GLOB 'ssh-key-*'),
  title TEXT NOT NULL,
  key_type TEXT NOT NULL,
  public_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL UNIQUE CHECK (fingerprint GLOB 'SHA256:*'),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE session_ssh_keys (
  session_id TEXT NOT NULL REFERENCES sessions (id),
  position INTEGER NOT NULL,
  ssh_key_id TEXT NOT NULL,
  public_key TEXT NOT NULL,
  PRIMARY KEY (session_id, position),
  UNIQUE (session_id, ssh_key_id)
) STRICT;

ALTER TABLE sessions ADD COLUMN ssh_host_public_key TEXT;

ALTER TABLE idempotency_keys ADD COLUMN sealed_secret BLOB;
`
