import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {FastifyInstance} from 'fastify'
import {Registry} from 'prom-client'

import type {Clock} from '../src/core/clock.js'
import {systemClock} from '../src/core/clock.js'
import {appPaths, daemonStateFile, databaseFile, packageRoot, sessionKeysDir, type AppPaths} from '../src/config/paths.js'
import {ENV, readEnv} from '../src/config/env.js'
import {createLogger, type Logger} from '../src/log/logger.js'
import {createVastAiAdapter} from '../src/providers/vastai/vastai-adapter.js'
import {DEFAULT_TIMINGS, type ServiceContext, type Timings} from '../src/services/context.js'
import {InventoryService} from '../src/services/inventory-service.js'
import {JobRunner} from '../src/services/job-runner.js'
import type {RefreshPolicy} from '../src/services/refresh-worker.js'
import type {ProviderName} from '../src/core/provider-name.js'
import {LifecycleWorker} from '../src/services/lifecycle-worker.js'
import {ProviderRegistry} from '../src/services/provider-registry.js'
import {SessionEventBus} from '../src/services/session-event-bus.js'
import {Store} from '../src/store/store.js'
import {buildApp} from './app.js'
import {createProviderMetrics, instrumentProvider} from './instrumented-provider.js'
import {loadOrCreateDaemonKey} from './daemon-keys.js'
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
  /** Write the state file the CLI discovers the daemon by (off for in-process tests). */
  writeState?: boolean
}

export interface RunningDaemon {
  url: string
  token: string | null
  ctx: ServiceContext
  app: FastifyInstance
  inventory: InventoryService
  jobs: JobRunner
  lifecycle: LifecycleWorker
  simulatorUrls: Record<string, string>
  close(): Promise<void>
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {version: string}).version
}

/** Composition root: store, providers, workers and the HTTP server, started in a safe order. */
export async function startDaemon(options: DaemonOptions = {}): Promise<RunningDaemon> {
  const env = options.env ?? process.env
  const paths = options.paths ?? appPaths(env)
  const clock = options.clock ?? systemClock
  const host = options.host ?? '127.0.0.1'
  const log = options.logger ?? createLogger({level: readEnv(ENV.logLevel, env) ?? 'info'})
  const version = packageVersion()
  const store = Store.open(databaseFile(paths))
  const deploymentId = store.meta.getOrInit('deployment_id', () => `dep-${randomBytes(4).toString('hex')}`)
  const daemonKey = loadOrCreateDaemonKey(sessionKeysDir(paths))

  const metricsRegistry = new Registry()
  const providerMetrics = createProviderMetrics(metricsRegistry)
  const providers = new ProviderRegistry()
  const closers: (() => Promise<void>)[] = []
  const simulatorUrls: Record<string, string> = {}
  if (options.simulate) {
    // Simulated mode is explicit and announced everywhere (`simulated: true`); it is never a fallback.
    const {startSimulators} = await import('../src/sim/index.js')
    const sims = await startSimulators({host: '127.0.0.1', port: 0})
    closers.push(() => sims.close())
    simulatorUrls.vastai = sims.vastai.url
    providers.register('vastai', {
      baseUrl: sims.vastai.url,
      adapter: instrumentProvider(
        createVastAiAdapter({baseUrl: sims.vastai.url, apiKey: `sim-${randomBytes(8).toString('hex')}`, clock, rateLimit: {perSecond: 50, burst: 50}, logger: log}),
        providerMetrics,
      ),
    })
  } else {
    const vastKey = readEnv(ENV.vastaiApiKey, env)
    const vastUrl = readEnv(ENV.vastaiApiUrl, env)
    if (vastKey || vastUrl) {
      const baseUrl = vastUrl ?? 'https://console.vast.ai'
      providers.register('vastai', {baseUrl, adapter: instrumentProvider(createVastAiAdapter({baseUrl, apiKey: vastKey ?? '', clock, logger: log}), providerMetrics)})
    } else {
      log.warn('no provider configured: set VASTAI_API_KEY (and optionally VASTAI_API_URL), or start with --simulate')
    }
  }

  const ctx: ServiceContext = {
    store,
    clock,
    providers,
    events: new SessionEventBus(),
    log,
    deploymentId,
    daemonKey,
    simulated: Boolean(options.simulate),
    timings: {...DEFAULT_TIMINGS, ...options.timings},
  }
  const token = options.auth === false ? null : randomBytes(32).toString('base64url')
  const inventory = new InventoryService(ctx, options.refreshPolicies)
  const jobs = new JobRunner(ctx)
  const lifecycle = new LifecycleWorker(ctx, () => jobs.kick())
  let ready = false
  const app = await buildApp({
    ctx,
    version,
    token,
    loopbackOnly: isLoopback(host),
    kickJobs: () => jobs.kick(),
    isReady: () => ready,
    metricsRegistry,
    inventory,
  })
  await app.listen({host, port: options.port ?? 8080})
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080)
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  inventory.start()
  jobs.start()
  lifecycle.start()
  ready = true

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
      auth: token !== null,
      started_at: new Date(clock.now()).toISOString(),
    }
    writeStateFile(stateFile, state)
  }
  log.info({url, deployment_id: deploymentId, simulated: ctx.simulated, auth: token !== null}, 'daemon listening')

  let closing: Promise<void> | null = null
  return {
    url,
    token,
    ctx,
    app,
    inventory,
    jobs,
    lifecycle,
    simulatorUrls,
    close() {
      closing ??= (async () => {
        lifecycle.stop()
        await app.close()
        await inventory.stop()
        await jobs.stop()
        for (const close of closers) await close()
        if (options.writeState !== false) removeStateFile(stateFile, process.pid)
        store.close()
      })()
      return closing
    },
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host.startsWith('127.')
}
