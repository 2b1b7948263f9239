import type {ServiceContext} from './context.js'
import type {ReconcileReport} from './reconciler.js'
import {findSession} from './session-service.js'

/**
 * The part of a reconciliation a caller may see: findings about its tenant's sessions, and
 * the instances that belong to no session (labelled by this server, found running) only for an
 * admin. The run itself covers every tenant: a forgotten instance is money whoever rented it.
 */
export function reconcileReportFor(ctx: ServiceContext, report: ReconcileReport): ReconcileReport {
  const ours = (sessionId: string | null) => sessionId !== null && findSession(ctx, sessionId) !== null
  const admin = !ctx.principal || ctx.principal.role === 'admin'
  return {
    ...report,
    orphans: report.orphans.filter((o) => (o.sessionId === null ? admin : ours(o.sessionId))),
    ghosts: report.ghosts.filter((g) => ours(g.sessionId)),
    adopted: report.adopted.filter((a) => ours(a.sessionId)),
  }
}
