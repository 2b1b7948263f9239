import swagger from '@fastify/swagger'
import websocket from '@fastify/websocket'
import Fastify, {type FastifyBaseLogger, type FastifyInstance} from 'fastify'
import {jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider} from 'fastify-type-provider-zod'

import {MAX_PATH_PARAM_LENGTH} from '../src/core/api/common.js'
import {installAudit} from './audit.js'
import {installAuth} from './auth.js'
import {installRateLimit} from './rate-limit.js'
import type {AppDeps, AppOptions} from './deps.js'
import {clientErrorHandler, frameworkErrors, installErrorHandling, newRequestId} from './error-handler.js'
import {DEFAULT_HTTP_LIMITS} from './http-limits.js'
import {DaemonMetrics} from './metrics.js'
import {allocationRoutes} from './routes/allocations.js'
import {auditRoutes} from './routes/audit.js'
import {authRoutes} from './routes/auth.js'
import {budgetRoutes} from './routes/budgets.js'
import {catalogRoutes} from './routes/catalog.js'
import {costRoutes} from './routes/costs.js'
import {healthRoutes} from './routes/health.js'
import {reconcileRoutes} from './routes/reconcile.js'
import {inventoryRoutes} from './routes/inventory.js'
import {sessionRoutes} from './routes/sessions.js'
import {sshTunnelRoutes} from './routes/ssh-tunnel.js'
import {terminalRoutes} from './routes/terminal.js'
import {closeTerminalsOnShutdown} from './terminal/shutdown.js'
import {sshKeyRoutes} from './routes/ssh-keys.js'
import {templateRoutes} from './routes/templates.js'
import {nodeRoutes} from './routes/nodes.js'
import {offerHealthRoutes} from './routes/offer-health.js'

/** A fresh Fastify app over a service context; tests build one per test and use inject(). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = {...DEFAULT_HTTP_LIMITS, ...options.httpLimits}
  const app = Fastify({
    ...(options.tls ? {https: {cert: options.tls.cert, key: options.tls.key}} : {}),
    trustProxy: options.trustProxy ?? false,
    // Request lines go where the daemon's own log goes (its rotated file when it has one), through
    // its redaction; a request is logged by method and URL only, tokens in query strings blanked.
    loggerInstance: options.ctx.log.child(
      {},
      {serializers: {req: (req: {method: string; url: string}) => ({method: req.method, url: req.url.replace(/(api_key|token)=[^&]+/g, '$1=[redacted]')})}},
    ) as FastifyBaseLogger,
    genReqId: newRequestId,
    requestIdHeader: false,
    frameworkErrors,
    clientErrorHandler,
    bodyLimit: 1024 * 1024,
    routerOptions: {maxParamLength: MAX_PATH_PARAM_LENGTH},
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {headersTimeout: limits.headersTimeoutMs, connectionsCheckingInterval: limits.checkIntervalMs},
  }).withTypeProvider<ZodTypeProvider>()
  app.server.maxConnections = limits.maxConnections
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  // `curl -X POST .../done -H 'Content-Type: application/json'` with no body is a normal way
  // to call an action endpoint: an empty JSON body means "no body", not an error.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', {parseAs: 'string'}, (_request, body, done) => {
    const text = String(body)
    if (text.trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(text))
    } catch {
      done(Object.assign(new Error('the request body is not valid JSON'), {statusCode: 400, code: 'FST_ERR_CTP_INVALID_JSON_BODY'}), undefined)
    }
  })
  app.addHook('onSend', async (request, reply) => {
    reply.header('X-Request-Id', String(request.id))
  })

  await app.register(swagger, {
    openapi: {
      info: {title: 'gpu-shopper', version: options.version, description: 'Local control plane: GPU inventory, sessions and costs'},
      components: {securitySchemes: {bearer: {type: 'http', scheme: 'bearer'}}},
      security: [{bearer: []}],
    },
    transform: jsonSchemaTransform,
  })

  installErrorHandling(app)
  // Browser terminal frames are keystrokes and resizes: 1 MiB is a generous paste.
  await app.register(websocket, {options: {maxPayload: 1024 * 1024}, preClose: closeTerminalsOnShutdown})
  installAuth(app, {auth: options.auth, loopbackOnly: options.loopbackOnly, ctx: options.ctx})
  if (options.rateLimit) {
    installRateLimit(app, {
      ...options.rateLimit,
      keyOf: (request) => (request.principal ? `${request.principal.tenant}/${request.principal.user}` : null),
      // Several processes share a PostgreSQL database, so they share the buckets too.
      ...(options.ctx.store.db.dialect === 'postgres' ? {shared: options.ctx.store.rateLimits} : {}),
    })
  }
  installAudit(app)

  const deps: AppDeps = {
    ...options,
    metrics: new DaemonMetrics(options.ctx, options.metricsRegistry, options.reconciler),
    startedAt: options.ctx.clock.now(),
  }
  await app.register(healthRoutes(deps))
  await app.register(authRoutes(deps), {prefix: '/api/v1'})
  await app.register(auditRoutes(), {prefix: '/api/v1'})
  await app.register(inventoryRoutes(deps), {prefix: '/api/v1'})
  await app.register(sessionRoutes(deps), {prefix: '/api/v1'})
  await app.register(costRoutes(deps), {prefix: '/api/v1'})
  await app.register(catalogRoutes(deps), {prefix: '/api/v1'})
  await app.register(templateRoutes(deps), {prefix: '/api/v1'})
  await app.register(allocationRoutes(deps), {prefix: '/api/v1'})
  await app.register(reconcileRoutes(deps), {prefix: '/api/v1'})
  await app.register(budgetRoutes(deps), {prefix: '/api/v1'})
  await app.register(terminalRoutes(deps))
  await app.register(sshTunnelRoutes(), {prefix: '/api/v1'})
  await app.register(sshKeyRoutes(), {prefix: '/api/v1'})
  await app.register(nodeRoutes(deps), {prefix: '/api/v1'})
  await app.register(offerHealthRoutes(deps), {prefix: '/api/v1'})
  app.get('/api/v1/openapi.json', {schema: {hide: true}}, async () => app.swagger())
  return app
}
