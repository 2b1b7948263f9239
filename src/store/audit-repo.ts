import type {SqlDatabase} from './sql/sql-database.js'

export type AuditOutcome = 'ok' | 'refused' | 'error'

/** One mutating request: who, what, when, and how it ended. */
export interface AuditEntry {
  id: number
  at: number
  tenantId: string
  userId: string
  role: string
  method: string
  /** The route as declared (`/api/v1/sessions/:id/done`), not the raw URL. */
  route: string
  /** The id or name the request acted on, when it named one. */
  target: string | null
  requestId: string
  statusCode: number
  outcome: AuditOutcome
}

export interface AuditQuery {
  tenantId: string
  /** Entries with a larger id than this (the last one a client saw). */
  afterId?: number
  userId?: string
  limit: number
}

interface AuditRow {
  id: number
  at: number
  tenant_id: string
  user_id: string
  role: string
  method: string
  route: string
  target: string | null
  request_id: string
  status_code: number
  outcome: AuditOutcome
}

/** The append-only audit log: the table's triggers refuse any UPDATE or DELETE. */
export class AuditRepo {
  constructor(private readonly db: SqlDatabase) {}

  async append(entry: Omit<AuditEntry, 'id'>): Promise<void> {
    await this.db.run(
      `INSERT INTO audit_log (at, tenant_id, user_id, role, method, route, target, request_id, status_code, outcome)
       VALUES (@at, @tenantId, @userId, @role, @method, @route, @target, @requestId, @statusCode, @outcome)`,
      entry,
    )
  }

  /** A tenant's entries, oldest first, after a cursor. */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const rows = await this.db.all<AuditRow>(
      `SELECT * FROM audit_log WHERE tenant_id = @tenant AND id > @after AND (CAST(@user AS TEXT) IS NULL OR user_id = @user) ORDER BY id LIMIT @limit`,
      {tenant: query.tenantId, after: query.afterId ?? 0, user: query.userId ?? null, limit: query.limit},
    )
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      tenantId: r.tenant_id,
      userId: r.user_id,
      role: r.role,
      method: r.method,
      route: r.route,
      target: r.target,
      requestId: r.request_id,
      statusCode: r.status_code,
      outcome: r.outcome,
    }))
  }
}
