import type {SqlDatabase} from './sql/sql-database.js'

export interface IdempotencyRecord {
  /** The operation the key was used for ("create-session", "release-session", …). */
  scope: string
  key: string
  requestHash: string
  /** What the operation returned the first time, as JSON; null for a record kept from before results were stored. */
  result: string | null
  resourceId: string | null
  createdAt: number
  expiresAt: number
  /**
   * A secret of the first result that must not be stored in plain text (a server-generated
   * private key), encrypted by the service; null when there is none. Expires with the record.
   */
  sealedSecret: Buffer | null
}

interface IdempotencyRow {
  scope: string
  key: string
  request_hash: string
  result: string | null
  resource_id: string | null
  created_at: number
  expires_at: number
  sealed_secret: Buffer | null
}

export class IdempotencyRepo {
  constructor(private readonly db: SqlDatabase) {}

  /** The live record for (scope, key); expired records count as absent. */
  async find(scope: string, key: string, now: number): Promise<IdempotencyRecord | null> {
    const row = await this.db.get<IdempotencyRow>('SELECT * FROM idempotency_keys WHERE scope = ? AND key = ? AND expires_at > ?', [scope, key, now])
    if (!row) return null
    return {
      scope: row.scope,
      key: row.key,
      requestHash: row.request_hash,
      result: row.result,
      resourceId: row.resource_id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      sealedSecret: row.sealed_secret,
    }
  }

  /** Stores the first result; replaces an expired record with the same key. */
  async save(record: IdempotencyRecord): Promise<void> {
    await this.db.run(
        `INSERT INTO idempotency_keys (scope, key, request_hash, result, resource_id, created_at, expires_at, sealed_secret)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, result = excluded.result,
           resource_id = excluded.resource_id, created_at = excluded.created_at,
           expires_at = excluded.expires_at, sealed_secret = excluded.sealed_secret
         WHERE idempotency_keys.expires_at <= excluded.created_at`,
      [record.scope, record.key, record.requestHash, record.result, record.resourceId, record.createdAt, record.expiresAt, record.sealedSecret],
    )
  }

  async deleteExpired(now: number): Promise<number> {
    return (await this.db.run('DELETE FROM idempotency_keys WHERE expires_at <= ?', [now])).changes
  }
}
