import {LOCAL_PRINCIPAL, LOCAL_TENANT} from '../auth/principal.js'
import type {SqlDatabase} from './sql/sql-database.js'

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
  constructor(private readonly db: SqlDatabase) {}

  async insert(key: SshKey): Promise<void> {
    await this.db.run('INSERT INTO ssh_keys (id, title, key_type, public_key, fingerprint, created_at, tenant_id, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      key.id,
      key.title,
      key.keyType,
      key.publicKey,
      key.fingerprint,
      key.createdAt,
      key.tenantId ?? LOCAL_TENANT,
      key.createdBy ?? LOCAL_PRINCIPAL.user,
    ])
  }

  async get(id: string): Promise<SshKey | null> {
    const row = await this.db.get<SshKeyRow>('SELECT * FROM ssh_keys WHERE id = ?', [id])
    return row ? toKey(row) : null
  }

  async byFingerprint(tenantId: string, fingerprint: string): Promise<SshKey | null> {
    const row = await this.db.get<SshKeyRow>('SELECT * FROM ssh_keys WHERE tenant_id = ? AND fingerprint = ?', [tenantId, fingerprint])
    return row ? toKey(row) : null
  }

  /** One tenant's keys, or every tenant's. */
  async list(tenantId?: string): Promise<SshKey[]> {
    const rows = await this.db.all<SshKeyRow>('SELECT * FROM ssh_keys WHERE (CAST(@tenant AS TEXT) IS NULL OR tenant_id = @tenant) ORDER BY created_at, id', {
      tenant: tenantId ?? null,
    })
    return rows.map(toKey)
  }

  async delete(id: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM ssh_keys WHERE id = ?', [id])).changes === 1
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
