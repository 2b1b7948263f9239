import {LOCAL_PRINCIPAL, LOCAL_TENANT} from '../auth/principal.js'
import {AppError} from '../core/errors.js'
import type {ServiceContext} from './context.js'

/**
 * Tenancy in one place: a request sees and changes only its own tenant's rows, and a row from
 * another tenant is treated as absent (404, never 403, which would confirm it exists). The
 * daemon's own workers carry no principal and act on every tenant.
 */

/** The tenant whose rows the caller may see; undefined for the daemon's own workers (every tenant). */
export function callerTenant(ctx: ServiceContext): string | undefined {
  return ctx.principal?.tenant
}

/** Whether a row owned by `tenantId` exists for the caller. */
export function isVisible(ctx: ServiceContext, tenantId: string | undefined): boolean {
  return ctx.principal === undefined || ctx.principal.tenant === (tenantId ?? LOCAL_PRINCIPAL.tenant)
}

/**
 * Which offers the caller may rent, for the offer queries: undefined = every offer (the daemon's
 * workers, and the solo daemon, whose nodes are all its own); else the market's and the nodes of
 * the caller's tenant.
 */
export function offerVisibility(ctx: ServiceContext): string | undefined {
  const principal = ctx.principal
  return principal && principal.tenant !== LOCAL_TENANT ? principal.tenant : undefined
}

/** Whether the caller may rent an offer (a node's offers are its tenant's alone). */
export function isOfferVisible(ctx: ServiceContext, offer: {tenantId?: string | null}): boolean {
  const visibleTo = offerVisibility(ctx)
  return visibleTo === undefined || offer.tenantId == null || offer.tenantId === visibleTo
}

/** Who owns what the caller creates. */
export function ownerOf(ctx: ServiceContext): {tenantId: string; createdBy: string} {
  const principal = ctx.principal ?? LOCAL_PRINCIPAL
  return {tenantId: principal.tenant, createdBy: principal.user}
}

/** Admin-only actions (budgets, nodes, the audit log): a member is told which role it takes. */
export function requireAdmin(ctx: ServiceContext, action: string): void {
  const principal = ctx.principal
  if (principal && principal.role !== 'admin') {
    throw new AppError('forbidden', `${action} needs the admin role in tenant ${principal.tenant}; ${principal.user} is a member (ask an admin of the tenant)`)
  }
}
