import {randomBytes} from 'node:crypto'
import {hostname} from 'node:os'

import type {FastifyInstance} from 'fastify'
import {Registry} from 'prom-client'

import type {Clock} from '../src/core/clock.js'
import {isLoopbackHost} from '../src/core/loopback.js'
import {systemClock} from '../src/core/clock.js'
import {packageVersion} from '../src/config/package-version.js'
import {appPaths, daemonStateFile, databaseFile, nodeKeysDir, sessionKeysDir, type AppPaths} from '../src/config/paths.js'
import {ENV, PROVIDER_TIMEOUT_RANGE, readEnv, readIntEnv} from '../src/config/env.js'
import {createLogger, type Logger} from '../src/log/logger.js'
import {DEFAULT_TIMINGS, type ServiceContext, type Timings} from '../src/services/context.js'
import {InventoryService} from '../src/services/inventory-service.js'
import {TemplateService} from '../src/services/template-service.js'
import {JobRunner} from '../src/services/job-runner.js'
import type {RefreshPolicy} from '../src/services/refresh-worker.js'
import type {ProviderName} from '../src/core/provider-name.js'
import {LifecycleWorker} from '../src/services/lifecycle-worker.js'
import {Reconciler} from '../src/services/reconciler.js'
import {SessionEventBus} from '../src/services/session-event-bus.js'
import {relaySessionEvents} from '../src/services/session-event-relay.js'
import {Store} from '../src/store/store.js'
import type {RateLimitConfig} from '../src/config/rate-limit.js'
import {redactDatabaseUrl, type DatabaseSettings} from '../src/config/database.js'
import {buildApp} from './app.js'
import type {DaemonAuth} from './auth.js'
import {AccessTokenVerifier, type AccessTokenSettings} from '../src/auth/access-token-verifier.js'
import type {HttpLimits} from './http-limits.js'
import {createProviderMetrics, instrumentProvider} from './instrumented-provider.js'
import {acquireDaemonLock} from './daemon-lock.js'
import {loadOrCreateDaemonKey} from './daemon-keys.js'
import {buildProviders, providerSettingsFromEnv} from './providers.js'
import type {DaemonState} from '../src/config/daemon-state.js'
import {removeStateFile, writeStateFile} from './state-file.js'

export interface DaemonOptions {
  host?: string
  port?: number
  /** false = --no-auth */
  auth?: boolean
  /** Run against in-process simulated marketplaces. */
  simulate?: boolean
  paths?: AppPaths
  env?: NodeJS.ProcessEnv
  clock?: Clock
  timings?: Partial<Timings>
  logger?: Logger
  refreshPolicies?: Partial<Record<ProviderName, Partial<RefreshPolicy>>>
  /** Deadline of every provider HTTP call (tests of timeouts); the adapters' defaults otherwise. */
  providerTimeoutMs?: number
  /** Write the state file the CLI discovers the daemon by (off for in-process tests). */
  writeState?: boolean
  /** Overrides of the HTTP server's timeouts and connection cap (tests of them). */
  httpLimits?: Partial<HttpLimits>
  /** Team mode (`gpu-shopper serve`): users' OpenID Connect access tokens instead of the static token. */
  oidc?: OidcServerOptions
  /** Per-user request rate (token bucket); unlimited when absent. */
  rateLimit?: RateLimitConfig | null
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: {cert: string | Buffer; key: string | Buffer}
  /**
   * A PostgreSQL database several server processes share, instead of the data dir's SQLite
   * file. The data dir still holds the keys, and every process of one deployment uses the
   * same ones.
   */
  database?: DatabaseSettings | null
}

export interface OidcServerOptions extends AccessTokenSettings {
  /** The CLI's (public) client at the IdP, told to clients by /api/v1/auth/config. */
  clientId: string
  scopes?: readonly string[]
  /**
   * `serve --trust-proxy`: a TLS proxy in front, whose X-Forwarded-Proto and X-Forwarded-Host
   * the server believes. A team setting so that a solo daemon cannot be started trusting them.
   */
  trustProxy?: boolean
}

/** What a CLI asks for at login: an ID token, the user's profile, and a refresh token. */
export const DEFAULT_LOGIN_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const

export interface RunningDaemon {
  url: string
  token: string | null
  ctx: ServiceContext
  app: FastifyInstance
  inventory: InventoryService
  jobs: JobRunner
  lifecycle: LifecycleWorker
  reconciler: Reconciler
  simulatorUrls: Record<string, string>
  close(): Promise<void>
}

/** Composition root: store, providers, workers and the HTTP server, started in a safe order. */
export async function startDaemon(options: DaemonOptions = {}): Promise<RunningDaemon> {
  const env = options.env ?? process.env
  const paths = options.paths ?? appPaths(env)
  const clock = options.clock ?? systemClock
  const host = options.host ?? '127.0.0.1'
  const log = options.logger ?? createLogger({level: readEnv(ENV.logLevel, env) ?? 'info'})
  const version = packageVersion()
  // Configuration errors stop the start before the lock, the store or a simulator is touched.
  const providerSettings = providerSettingsFromEnv(env)
  const timings: Timings = {...DEFAULT_TIMINGS, ...timingsFromEnv(env), ...options.timings}
  // One daemon per SQLite file; on PostgreSQL the database itself keeps several processes in step.
  const releaseLock = options.database ? () => {} : acquireDaemonLock(paths.data)
  const store = options.database ? await connectStore(options.database, log) : Store.open(databaseFile(paths))
  const deploymentId = await store.meta.getOrInit('deployment_id', () => `dep-${randomBytes(4).toString('hex')}`)
  const daemonKey = loadOrCreateDaemonKey(sessionKeysDir(paths))

  const metricsRegistry = new Registry()
  const providerMetrics = createProviderMetrics(metricsRegistry)
  const built = await buildProviders({
    env,
    clock,
    log,
    simulate: Boolean(options.simulate),
    wrap: (adapter) => instrumentProvider(adapter, providerMetrics),
    timeoutMs: options.providerTimeoutMs ?? readIntEnv(ENV.providerTimeoutMs, PROVIDER_TIMEOUT_RANGE, env),
    settings: providerSettings,
    dataDir: paths.data,
    store,
    sliceShutdownGraceMs: timings.sliceShutdownGraceMs,
  })
  const providers = built.registry
  const simulatorUrls = built.simulatorUrls

  const ctx: ServiceContext = {
    store,
    clock,
    providers,
    // Beside other processes, every process's events reach this one's subscribers through the database.
    events: new SessionEventBus(store.db.dialect === 'postgres'),
    log,
    deploymentId,
    processId: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    daemonKey,
    simulated: Boolean(options.simulate),
    timings,
    ...(options.oidc ? {nodeKeysDir: nodeKeysDir(paths)} : {}),
  }
  const token = options.auth === false || options.oidc ? null : randomBytes(32).toString('base64url')
  const auth: DaemonAuth = options.oidc
    ? {
        mode: 'oidc',
        verifier: new AccessTokenVerifier(options.oidc, {now: () => clock.now()}),
        issuer: options.oidc.issuer,
        audience: options.oidc.audience,
        clientId: options.oidc.clientId,
        scopes: options.oidc.scopes ?? DEFAULT_LOGIN_SCOPES,
      }
    : {mode: 'static', token}
  const eventRelay = await relaySessionEvents(ctx)
  const inventory = new InventoryService(ctx, mergePolicies(built.refreshPolicies, options.refreshPolicies ?? {}))
  const jobs = new JobRunner(ctx)
  const reconciler = new Reconciler(ctx)
  const lifecycle = new LifecycleWorker(ctx, () => jobs.kick(), reconciler)
  let ready = false
  const trustProxy = options.oidc?.trustProxy ?? false
  const app = await buildApp({
    ctx,
    version,
    auth,
    tls: options.tls,
    rateLimit: options.rateLimit ?? null,
    // Behind a proxy the Host header is the public name the proxy was reached by (Caddy and most
    // nginx setups pass it on), so a loopback-only Host check would refuse every request. Every
    // route but the open ones still needs an IdP token, which DNS rebinding does not give a page.
    loopbackOnly: isLoopbackHost(host) && !trustProxy,
    trustProxy,
    kickJobs: () => jobs.kick(),
    isReady: () => ready,
    metricsRegistry,
    inventory,
    templates: new TemplateService(providers, clock),
    reconciler,
    httpLimits: options.httpLimits,
  })
  await app.listen({host, port: options.port ?? 8080})
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080)
  const url = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`

  const stateFile = daemonStateFile(paths)
  if (options.writeState !== false) {
    const state: DaemonState = {
      pid: process.pid,
      url,
      host,
      port,
      token,
      version,
      deployment_id: deploymentId,
      simulated: ctx.simulated,
      auth: auth.mode === 'oidc' || token !== null,
      started_at: new Date(clock.now()).toISOString(),
    }
    writeStateFile(stateFile, state)
  }
  log.info({url, pid: process.pid, process_id: ctx.processId, deployment_id: deploymentId, simulated: ctx.simulated, auth: auth.mode === 'oidc' ? `oidc ${auth.issuer}` : token !== null}, 'daemon listening')

  // Start-up order matters for money: leases of the dead daemon are handed back, then the
  // store and the providers are reconciled (adopting instances created but never recorded),
  // and only then do jobs run and /health turn 200.
  await inventory.start()
  if (store.db.dialect === 'sqlite') {
    const resumed = await store.jobs.releaseAllLeases(clock.now())
    if (resumed) log.warn({jobs: resumed}, 'resuming jobs left running by a previous daemon')
  }
  await lifecycle.reconcile()
  jobs.start()
  lifecycle.start()
  ready = true

  let closing: Promise<void> | null = null
  return {
    url,
    token,
    ctx,
    app,
    inventory,
    jobs,
    lifecycle,
    reconciler,
    simulatorUrls,
    close() {
      closing ??= (async () => {
        await lifecycle.stop()
        await app.close()
        await inventory.stop()
        await jobs.stop()
        await built.close()
        if (options.writeState !== false) removeStateFile(stateFile, process.pid)
        await eventRelay.stop()
        await store.close()
        releaseLock()
      })()
      return closing
    },
  }
}

async function connectStore(database: DatabaseSettings, log: Logger): Promise<Store> {
  const store = await Store.connect({
    url: database.url,
    poolSize: database.poolSize,
    statementTimeoutMs: database.statementTimeoutMs,
    applicationName: `gpu-shopper serve ${process.pid}`,
  })
  log.info({database: redactDatabaseUrl(database.url), pool_size: database.poolSize, statement_timeout_ms: database.statementTimeoutMs}, 'database connected')
  return store
}

type PolicyOverrides = Partial<Record<ProviderName, Partial<RefreshPolicy>>>

/** Field by field per provider, `overrides` winning. */
function mergePolicies(base: PolicyOverrides, overrides: PolicyOverrides): PolicyOverrides {
  const merged: PolicyOverrides = {...base}
  for (const [name, policy] of Object.entries(overrides) as [ProviderName, Partial<RefreshPolicy>][]) merged[name] = {...base[name], ...policy}
  return merged
}

/** `GPU_SHOPPER_TIMINGS`: overrides of known timing names with non-negative numbers; anything else is refused loudly. */
function timingsFromEnv(env: NodeJS.ProcessEnv): Partial<Timings> {
  const raw = readEnv(ENV.timings, env)
  if (!raw) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    throw new Error(`${ENV.timings} is not JSON: ${raw}`)
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${ENV.timings} must be a JSON object`)
  const result: Partial<Timings> = {}
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in DEFAULT_TIMINGS)) throw new Error(`${ENV.timings}: unknown timing "${key}" (known: ${Object.keys(DEFAULT_TIMINGS).join(', ')})`)
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${ENV.timings}: ${key} must be a number of milliseconds`)
    result[key as keyof Timings] = value
  }
  return result
}
