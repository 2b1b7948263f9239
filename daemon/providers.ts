import {randomBytes} from 'node:crypto'
import {join} from 'node:path'

import type {Clock} from '../src/core/clock.js'
import {ENV, readEnv, readIntEnv, SIM_OFFERS_RANGE, VASTAI_SEARCH_LIMIT_RANGE, type EnvName} from '../src/config/env.js'
import type {TokenRate} from '../src/core/token-bucket.js'
import type {ProviderName} from '../src/core/provider-name.js'
import type {Logger} from '../src/log/logger.js'
import type {ProviderAdapter} from '../src/providers/provider.js'
import {createTensorDockAdapter} from '../src/providers/tensordock/tensordock-adapter.js'
import {createVastAiAdapter} from '../src/providers/vastai/vastai-adapter.js'
import {createSelfhostedAdapter} from '../src/providers/selfhosted/selfhosted-adapter.js'
import {storeNodeDirectory} from '../src/services/node-directory.js'
import type {Store} from '../src/store/store.js'
import {ProviderRegistry} from '../src/services/provider-registry.js'
import type {RefreshPolicy} from '../src/services/refresh-worker.js'

export interface BuiltProviders {
  registry: ProviderRegistry
  /** Base URLs of the in-process simulators (simulate mode only). */
  simulatorUrls: Record<string, string>
  /** What the settings change in the refresh workers' policies (the daemon's own overrides win). */
  refreshPolicies: Partial<Record<ProviderName, Partial<RefreshPolicy>>>
  close(): Promise<void>
}

/** Sizing knobs read from the environment; unset ones keep the adapters' and simulators' defaults. */
export interface ProviderSettings {
  /** Offers one Vast.ai refresh asks for. */
  vastaiSearchLimit?: number
  /** Offers the simulated Vast.ai market generates (simulate mode). */
  simOffers?: number
  /** Pacing of each marketplace's client, where the account's limit differs from the default. */
  vastaiRate?: TokenRate
  tensordockRate?: TokenRate
}

/**
 * GPU_SHOPPER_VASTAI_SEARCH_LIMIT and GPU_SHOPPER_SIM_OFFERS. A bad value throws with the
 * variable's name and range; the daemon reads these before it takes its lock or starts
 * anything, so a typo stops it at once (the CLI shows the message from the log) instead of
 * being half-applied.
 */
export function providerSettingsFromEnv(env: NodeJS.ProcessEnv): ProviderSettings {
  const settings: ProviderSettings = {}
  const searchLimit = readIntEnv(ENV.vastaiSearchLimit, VASTAI_SEARCH_LIMIT_RANGE, env)
  if (searchLimit !== undefined) settings.vastaiSearchLimit = searchLimit
  const simOffers = readIntEnv(ENV.simOffers, SIM_OFFERS_RANGE, env)
  if (simOffers !== undefined) settings.simOffers = simOffers
  const vastaiRate = callsPerSecond(ENV.vastaiCallsPerSecond, env)
  if (vastaiRate) settings.vastaiRate = vastaiRate
  const tensordockRate = callsPerSecond(ENV.tensordockCallsPerSecond, env)
  if (tensordockRate) settings.tensordockRate = tensordockRate
  return settings
}

/** A calls-a-second setting as a token rate, with two seconds' worth of burst. */
function callsPerSecond(name: EnvName, env: NodeJS.ProcessEnv): TokenRate | undefined {
  const raw = readEnv(name, env)
  if (raw === undefined) return undefined
  const perSecond = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN
  if (!(perSecond >= 0.01 && perSecond <= 10_000)) throw new Error(`${name} must be calls a second from 0.01 to 10000, got "${raw}"`)
  return {perSecond, burst: Math.max(1, Math.ceil(perSecond * 2))}
}

export interface ProviderBuildOptions {
  env: NodeJS.ProcessEnv
  clock: Clock
  log: Logger
  simulate: boolean
  /** Wraps every adapter (metrics). */
  wrap?: (adapter: ProviderAdapter) => ProviderAdapter
  /** Per-call deadline of provider HTTP calls (create included); adapters' own defaults otherwise. */
  timeoutMs?: number
  /** Read from `env` when not given. */
  settings?: ProviderSettings
  /**
   * The daemon's data dir: in simulate mode the simulators keep their state under
   * `<dataDir>/simulators`, so a restarted daemon finds its simulated instances still running.
   */
  dataDir?: string
  /** The daemon's store: the registry of self-hosted nodes, always a provider (they are real in every mode). */
  store?: Store
  /** How long a slice's guest may take to power off at release (the adapter's default otherwise). */
  sliceShutdownGraceMs?: number
}

/**
 * The configured marketplaces. Real mode uses the providers' keys from the environment; a
 * provider without credentials is simply absent. Simulate mode starts the simulators in this
 * process and is announced everywhere (`simulated: true`): it is never a fallback.
 */
export async function buildProviders(options: ProviderBuildOptions): Promise<BuiltProviders> {
  const {env, clock, log} = options
  const wrap = options.wrap ?? ((a: ProviderAdapter) => a)
  const deadlines = options.timeoutMs === undefined ? {} : {timeoutMs: options.timeoutMs}
  const tdDeadlines = options.timeoutMs === undefined ? {} : {timeoutMs: options.timeoutMs, createTimeoutMs: options.timeoutMs}
  const settings = options.settings ?? providerSettingsFromEnv(env)
  // The refresh asks for `maxOffers`; the adapter's own limit covers queries that set none.
  const searchLimit = settings.vastaiSearchLimit === undefined ? {} : {searchLimit: settings.vastaiSearchLimit}
  const refreshPolicies: BuiltProviders['refreshPolicies'] =
    settings.vastaiSearchLimit === undefined ? {} : {vastai: {maxOffers: settings.vastaiSearchLimit}}
  const registry = new ProviderRegistry()
  if (options.store) {
    // The team's own nodes are real machines whether the marketplaces are simulated or not.
    registry.register('selfhosted', {
      baseUrl: 'ssh://nodes',
      adapter: wrap(
        createSelfhostedAdapter({
          directory: storeNodeDirectory(options.store),
          clock,
          logger: log,
          ...(options.sliceShutdownGraceMs === undefined ? {} : {shutdownGraceMs: options.sliceShutdownGraceMs}),
        }),
      ),
    })
  }
  if (options.simulate) {
    const {startSimulators} = await import('../src/sim/index.js')
    const sims = await startSimulators({
      host: '127.0.0.1',
      port: 0,
      ...(settings.simOffers === undefined ? {} : {offerCount: settings.simOffers}),
      ...(options.dataDir === undefined ? {} : {stateDir: join(options.dataDir, 'simulators')}),
    })
    // The simulators run on this machine and do not limit by default: pace like a local
    // service, so a burst of creates is bound by the daemon, not by a made-up provider limit.
    const fast = {perSecond: 1000, burst: 200}
    registry.register('vastai', {
      baseUrl: sims.vastai.url,
      adapter: wrap(
        createVastAiAdapter({baseUrl: sims.vastai.url, apiKey: `sim-${randomBytes(8).toString('hex')}`, clock, rateLimit: fast, logger: log, ...searchLimit, ...deadlines}),
      ),
    })
    registry.register('tensordock', {
      baseUrl: sims.tensordock.url,
      adapter: wrap(createTensorDockAdapter({baseUrl: sims.tensordock.url, apiToken: `sim-${randomBytes(8).toString('hex')}`, clock, rateLimit: fast, logger: log, ...tdDeadlines})),
    })
    return {registry, simulatorUrls: {vastai: sims.vastai.url, tensordock: sims.tensordock.url}, refreshPolicies, close: () => sims.close()}
  }

  const vastKey = readEnv(ENV.vastaiApiKey, env)
  const vastUrl = readEnv(ENV.vastaiApiUrl, env)
  if (vastKey || vastUrl) {
    const baseUrl = vastUrl ?? 'https://console.vast.ai'
    const rateLimit = settings.vastaiRate ? {rateLimit: settings.vastaiRate} : {}
    registry.register('vastai', {baseUrl, adapter: wrap(createVastAiAdapter({baseUrl, apiKey: vastKey ?? '', clock, logger: log, ...searchLimit, ...deadlines, ...rateLimit}))})
  }
  const tdToken = readEnv(ENV.tensordockApiToken, env)
  const tdUrl = readEnv(ENV.tensordockApiUrl, env)
  if (tdToken || tdUrl) {
    const baseUrl = tdUrl ?? 'https://dashboard.tensordock.com'
    registry.register('tensordock', {
      baseUrl,
      adapter: wrap(
        createTensorDockAdapter({
          baseUrl,
          apiToken: tdToken ?? '',
          authId: readEnv(ENV.tensordockAuthId, env),
          clock,
          logger: log,
          ...tdDeadlines,
          ...(settings.tensordockRate ? {rateLimit: settings.tensordockRate} : {}),
        }),
      ),
    })
  }
  if (registry.entries().every(([name]) => name === 'selfhosted')) {
    log.warn('no provider configured: set VASTAI_API_KEY and/or TENSORDOCK_API_TOKEN (see README), or start with --simulate')
  }
  return {registry, simulatorUrls: {}, refreshPolicies, close: async () => {}}
}
