import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {ReconcileBody, ReconcileReply} from '../../src/core/api/reconcile.js'
import {reconcileReportFor} from '../../src/services/reconcile-scope.js'
import type {AppDeps} from '../deps.js'
import {reconcileReplyOf} from '../reconcile-report.js'

export function reconcileRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  return async (app) => {
    app.post('/reconcile', {schema: {body: ReconcileBody, response: {200: ReconcileReply, 400: ErrorBody}}}, async (request) => {
      const dryRun = request.body?.dry_run ?? false
      const report = await deps.reconciler.run({dryRun, orphanGraceMs: ctx.timings.orphanGraceMs})
      if (!dryRun) deps.kickJobs()
      return reconcileReplyOf(await reconcileReportFor(request.ctx, report), ctx.deploymentId, ctx.simulated)
    })
  }
}
