import type {Db} from './database.js'

/** A registered public key. The private half never reaches the daemon. */
export interface SshKey {
  id: string
  title: string
  keyType: string
  /** Canonical `type base64`, no comment. */
  publicKey: string
  /** `SHA256:...`, unique: one key is registered once. */
  fingerprint: string
  createdAt: number
}

interface SshKeyRow {
  id: string
  title: string
  key_type: string
  public_key: string
  fingerprint: string
  created_at: number
}

export class SshKeysRepo {
  constructor(private readonly db: Db) {}

  insert(key: SshKey): void {
    this.db
      .prepare('INSERT INTO ssh_keys (id, title, key_type, public_key, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(key.id, key.title, key.keyType, key.publicKey, key.fingerprint, key.createdAt)
  }

  get(id: string): SshKey | null {
    const row = this.db.prepare('SELECT * FROM ssh_keys WHERE id = ?').get(id) as SshKeyRow | undefined
    return row ? toKey(row) : null
  }

  byFingerprint(fingerprint: string): SshKey | null {
    const row = this.db.prepare('SELECT * FROM ssh_keys WHERE fingerprint = ?').get(fingerprint) as SshKeyRow | undefined
    return row ? toKey(row) : null
  }

  list(): SshKey[] {
    return (this.db.prepare('SELECT * FROM ssh_keys ORDER BY created_at, id').all() as SshKeyRow[]).map(toKey)
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM ssh_keys WHERE id = ?').run(id).changes === 1
  }
}

function toKey(r: SshKeyRow): SshKey {
  return {id: r.id, title: r.title, keyType: r.key_type, publicKey: r.public_key, fingerprint: r.fingerprint, createdAt: r.created_at}
}
