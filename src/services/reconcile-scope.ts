import type {ServiceContext} from './context.js'
import type {ReconcileReport} from './reconciler.js'
import {findSession} from './session-service.js'

/**
 * The part of a reconciliation a caller may see: findings about its tenant's sessions, and
 * the instances that belong to no session (labelled by this server, found running) only for an
 * admin. The run itself covers every tenant: a forgotten instance is money whoever rented it.
 */
export async function reconcileReportFor(ctx: ServiceContext, report: ReconcileReport): Promise<ReconcileReport> {
  const ours = async (sessionId: string | null) => sessionId !== null && (await findSession(ctx, sessionId)) !== null
  const admin = !ctx.principal || ctx.principal.role === 'admin'
  const visible = async <T extends {sessionId: string | null}>(findings: readonly T[], unowned: boolean): Promise<T[]> => {
    const kept: T[] = []
    for (const finding of findings) if (finding.sessionId === null ? unowned : await ours(finding.sessionId)) kept.push(finding)
    return kept
  }
  return {
    ...report,
    orphans: await visible(report.orphans, admin),
    ghosts: await visible(report.ghosts, false),
    adopted: await visible(report.adopted, false),
  }
}
