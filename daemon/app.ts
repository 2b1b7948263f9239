import swagger from '@fastify/swagger'
import websocket from '@fastify/websocket'
import Fastify, {type FastifyBaseLogger, type FastifyInstance} from 'fastify'
import type {Registry} from 'prom-client'
import {jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider} from 'fastify-type-provider-zod'

import {MAX_PATH_PARAM_LENGTH} from '../src/core/api/common.js'
import type {ServiceContext} from '../src/services/context.js'
import type {InventoryService} from '../src/services/inventory-service.js'
import type {Reconciler} from '../src/services/reconciler.js'
import {installAuth} from './auth.js'
import {clientErrorHandler, frameworkErrors, installErrorHandling, newRequestId} from './error-handler.js'
import {DaemonMetrics} from './metrics.js'
import {allocationRoutes} from './routes/allocations.js'
import {budgetRoutes} from './routes/budgets.js'
import {catalogRoutes} from './routes/catalog.js'
import {costRoutes} from './routes/costs.js'
import {healthRoutes} from './routes/health.js'
import {reconcileRoutes} from './routes/reconcile.js'
import {inventoryRoutes} from './routes/inventory.js'
import {sessionRoutes} from './routes/sessions.js'
import {terminalRoutes} from './routes/terminal.js'
import {closeTerminalsOnShutdown} from './terminal/shutdown.js'
import {sshKeyRoutes} from './routes/ssh-keys.js'

export interface AppOptions {
  ctx: ServiceContext
  version: string
  /** null = --no-auth */
  token: string | null
  loopbackOnly: boolean
  /** Wakes the job runner when a route queued work. */
  kickJobs: () => void
  /** False until start-up reconciliation finished: /health answers 503 meanwhile. */
  isReady: () => boolean
  /** Shared with the provider instrumentation so one /metrics shows both. */
  metricsRegistry: Registry
  inventory: InventoryService
  reconciler: Reconciler
  /** Overrides of DEFAULT_HTTP_LIMITS (tests use short ones). */
  httpLimits?: Partial<HttpLimits>
}

export interface AppDeps extends AppOptions {
  metrics: DaemonMetrics
  startedAt: number
}

/**
 * How long a client may take and how many may connect. The time limits bound only receiving a
 * request: once its headers and body are in, a reply may stream for hours (the `--watch` SSE
 * streams write a heartbeat every 15 s, well inside the idle limit), and an upgraded WebSocket
 * (the browser terminal) leaves the HTTP server's timers behind altogether.
 */
export interface HttpLimits {
  /** Request line and headers must arrive within this (slow-loris). */
  headersTimeoutMs: number
  /** The whole request, body included; a 1 MiB body at 20 KB/s still fits. A body dripped byte by byte does not. */
  requestTimeoutMs: number
  /** A socket with no traffic either way for this long is closed; above the SSE heartbeat. */
  idleTimeoutMs: number
  /** An idle keep-alive connection between requests is closed after this. */
  keepAliveTimeoutMs: number
  /** Connections beyond this are refused: each holds a file descriptor. */
  maxConnections: number
  /** How often Node checks the headers and request deadlines; its 30 s default would let a 10 s limit run to 40 s. */
  checkIntervalMs: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 10_000,
  maxConnections: 1024,
  checkIntervalMs: 1_000,
}

/** A fresh Fastify app over a service context; tests build one per test and use inject(). */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const limits = {...DEFAULT_HTTP_LIMITS, ...options.httpLimits}
  const app = Fastify({
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
  installAuth(app, {token: options.token, loopbackOnly: options.loopbackOnly})

  const deps: AppDeps = {
    ...options,
    metrics: new DaemonMetrics(options.ctx, options.metricsRegistry, options.reconciler),
    startedAt: options.ctx.clock.now(),
  }
  await app.register(healthRoutes(deps))
  await app.register(inventoryRoutes(deps), {prefix: '/api/v1'})
  await app.register(sessionRoutes(deps), {prefix: '/api/v1'})
  await app.register(costRoutes(deps), {prefix: '/api/v1'})
  await app.register(catalogRoutes(deps), {prefix: '/api/v1'})
  await app.register(allocationRoutes(deps), {prefix: '/api/v1'})
  await app.register(reconcileRoutes(deps), {prefix: '/api/v1'})
  await app.register(budgetRoutes(deps), {prefix: '/api/v1'})
  await app.register(terminalRoutes(deps))
  await app.register(sshKeyRoutes(deps), {prefix: '/api/v1'})
  app.get('/api/v1/openapi.json', {schema: {hide: true}}, async () => app.swagger())
  return app
}
