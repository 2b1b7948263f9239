import type {ReconcileReply} from '../src/core/api/reconcile.js'
import {toIso} from '../src/core/clock.js'
import type {ReconcileReport} from '../src/services/reconciler.js'

export function reconcileReplyOf(report: ReconcileReport, deploymentId: string, simulated: boolean): ReconcileReply {
  return {
    dry_run: report.dryRun,
    at: toIso(report.at),
    deployment_id: deploymentId,
    orphans: report.orphans.map((o) => ({
      provider: o.provider,
      provider_instance_id: o.providerInstanceId,
      label: o.label,
      session_id: o.sessionId,
      reason: o.reason,
      action: o.action,
    })),
    ghosts: report.ghosts.map((g) => ({provider: g.provider, session_id: g.sessionId, provider_instance_id: g.providerInstanceId, action: g.action})),
    adopted: report.adopted.map((a) => ({provider: a.provider, session_id: a.sessionId, provider_instance_id: a.providerInstanceId, action: a.action})),
    errors: report.errors,
    foreign_instances: report.foreignInstances,
    simulated,
  }
}
