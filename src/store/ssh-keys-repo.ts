import {LOCAL_PRINCIPAL, LOCAL_TENANT} from '../auth/principal.js'
import type {Db} from './database.js'

/** A registered public key. The private half never reaches the daemon. */
export interface SshKey {
  id: string
  title: string
  keyType: string
  /** Canonical `type base64`, no comment. */
  publicKey: string
  /** `SHA256:...`, unique in a tenant: one key is registered once. */
  fingerprint: string
  createdAt: number
  /** The tenant whose members may attach it; `local` on the solo daemon. Always set on rows read from the store. */
  tenantId?: string
  /** Who registered it. */
  createdBy?: string
}

interface SshKeyRow {
  id: string
  title: string
  key_type: string
  public_key: string
  fingerprint: string
  created_at: number
  tenant_id: string
  created_by: string
}

export class SshKeysRepo {
  constructor(private readonly db: Db) {}

  insert(key: SshKey): void {
    this.db
      .prepare('INSERT INTO ssh_keys (id, title, key_type, public_key, fingerprint, created_at, tenant_id, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(key.id, key.title, key.keyType, key.publicKey, key.fingerprint, key.createdAt, key.tenantId ?? LOCAL_TENANT, key.createdBy ?? LOCAL_PRINCIPAL.user)
  }

  get(id: string): SshKey | null {
    const row = this.db.prepare('SELECT * FROM ssh_keys WHERE id = ?').get(id) as SshKeyRow | undefined
    return row ? toKey(row) : null
  }

  byFingerprint(tenantId: string, fingerprint: string): SshKey | null {
    const row = this.db.prepare('SELECT * FROM ssh_keys WHERE tenant_id = ? AND fingerprint = ?').get(tenantId, fingerprint) as SshKeyRow | undefined
    return row ? toKey(row) : null
  }

  /** One tenant's keys, or every tenant's. */
  list(tenantId?: string): SshKey[] {
    const rows = this.db
      .prepare('SELECT * FROM ssh_keys WHERE (@tenant IS NULL OR tenant_id = @tenant) ORDER BY created_at, id')
      .all({tenant: tenantId ?? null}) as SshKeyRow[]
    return rows.map(toKey)
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM ssh_keys WHERE id = ?').run(id).changes === 1
  }
}

function toKey(r: SshKeyRow): SshKey {
  return {
    id: r.id,
    title: r.title,
    keyType: r.key_type,
    publicKey: r.public_key,
    fingerprint: r.fingerprint,
    createdAt: r.created_at,
    tenantId: r.tenant_id,
    createdBy: r.created_by,
  }
}
