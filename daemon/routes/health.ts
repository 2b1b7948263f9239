import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {HealthReply} from '../../src/core/api/health.js'
import {toIso} from '../../src/core/clock.js'
import {requireAdmin} from '../../src/services/tenancy.js'
import {databaseStatus} from '../../src/services/database-status.js'
import type {AppDeps} from '../deps.js'
import {databaseStatusDto} from '../dto.js'
import {plainJson} from '../plain-json.js'

export function healthRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {ctx} = deps
  const health = async (): Promise<HealthReply> => ({
    status: deps.isReady() ? 'ok' : 'starting',
    version: deps.version,
    deployment_id: ctx.deploymentId,
    simulated: ctx.simulated,
    auth: deps.auth.mode === 'oidc' || deps.auth.token !== null,
    uptime_seconds: Math.round((ctx.clock.now() - deps.startedAt) / 1000),
    providers: ctx.providers.entries().map(([name, p]) => {
      const f = deps.inventory.status(name)
      return {
        name,
        configured: true,
        base_url: p.baseUrl,
        stale: f.stale,
        last_refresh_at: f.lastSuccessAt === null ? null : toIso(f.lastSuccessAt),
        next_refresh_at: toIso(f.nextRefreshAt),
        last_error: f.lastError,
        consecutive_failures: f.consecutiveFailures,
        breaker: f.breaker,
        offers: f.offers,
      }
    }),
    database: databaseStatusDto(await databaseStatus(ctx)),
  })
  return async (app) => {
    app.get('/health', {schema: {response: {200: HealthReply, 503: HealthReply}}, serializerCompiler: plainJson}, async (_req, reply) => {
      return reply.status(deps.isReady() ? 200 : 503).send(await health())
    })
    // For a load balancer: a process that cannot reach the database cannot serve, so it is taken out.
    app.get('/ready', {schema: {response: {200: HealthReply, 503: HealthReply}}, serializerCompiler: plainJson}, async (_req, reply) => {
      const answer = await health()
      if (!answer.database.reachable) return reply.status(503).send({...answer, status: 'unavailable'})
      return reply.status(deps.isReady() ? 200 : 503).send(answer)
    })
    app.get('/metrics', {schema: {hide: true}}, async (request, reply) => {
      // An operator's view: admins only, and their tenant's sessions and nodes.
      requireAdmin(request.ctx, 'reading /metrics')
      const {contentType, body} = await deps.metrics.render(request.ctx)
      return reply.type(contentType).send(body)
    })
  }
}
