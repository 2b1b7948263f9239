import {LOCAL_PRINCIPAL} from '../auth/principal.js'
import type {AuditEntry, AuditOutcome} from '../store/audit-repo.js'
import type {ServiceContext} from './context.js'
import {ownerOf, requireAdmin} from './tenancy.js'

export interface AuditedRequest {
  method: string
  route: string
  target: string | null
  requestId: string
  statusCode: number
}

/** 2xx did what was asked; 4xx was refused (nothing changed); 5xx failed on our side. */
function outcomeOf(statusCode: number): AuditOutcome {
  return statusCode < 400 ? 'ok' : statusCode < 500 ? 'refused' : 'error'
}

/** Records a mutating request for the caller's tenant. */
export async function recordRequest(ctx: ServiceContext, request: AuditedRequest): Promise<void> {
  const principal = ctx.principal ?? LOCAL_PRINCIPAL
  await ctx.store.audit.append({
    at: ctx.clock.now(),
    tenantId: principal.tenant,
    userId: principal.user,
    role: principal.role,
    ...request,
    outcome: outcomeOf(request.statusCode),
  })
}

/** The caller's tenant's audit log (admins only), oldest first after a cursor. */
export async function auditLog(ctx: ServiceContext, query: {afterId?: number; userId?: string; limit: number}): Promise<AuditEntry[]> {
  requireAdmin(ctx, 'reading the audit log')
  return ctx.store.audit.list({tenantId: ownerOf(ctx).tenantId, ...query})
}
