/**
 * Every environment variable gpu-shopper reads, declared once. Provider credentials keep
 * their providers' usual names.
 */
export const ENV = {
  home: 'GPU_SHOPPER_HOME',
  server: 'GPU_SHOPPER_SERVER',
  token: 'GPU_SHOPPER_TOKEN',
  logLevel: 'GPU_SHOPPER_LOG_LEVEL',
  /** Size at which the daemon rotates daemon.log (bytes; default 10 MiB). */
  logMaxBytes: 'GPU_SHOPPER_LOG_MAX_BYTES',
  crashAt: 'GPU_SHOPPER_CRASH_AT',
  /** JSON object of daemon timing overrides in ms (tests, operators), e.g. {"orphanGraceMs":0}. */
  timings: 'GPU_SHOPPER_TIMINGS',
  /** Offers one Vast.ai refresh asks for (real and simulated), when the default is not enough. */
  vastaiSearchLimit: 'GPU_SHOPPER_VASTAI_SEARCH_LIMIT',
  /** How many offers the simulated Vast.ai market of `daemon start --simulate` generates. */
  simOffers: 'GPU_SHOPPER_SIM_OFFERS',
  /** The team server's own client secret at the IdP, for introspecting opaque tokens (never a flag: flags show in `ps`). */
  oidcClientSecret: 'GPU_SHOPPER_OIDC_CLIENT_SECRET',
  /** A team server's per-user rate limit, requests a second (0 = off); see src/config/rate-limit.ts. */
  rateLimit: 'GPU_SHOPPER_RATE_LIMIT',
  /** The team server's PostgreSQL database (`postgres://…`); never a flag passed on, since it may hold a password. */
  databaseUrl: 'GPU_SHOPPER_DATABASE_URL',
  /** How many requests a user may send back to back before the rate applies. */
  rateLimitBurst: 'GPU_SHOPPER_RATE_LIMIT_BURST',
  /** Deadline in ms of every marketplace HTTP call (the adapters' own per-call defaults otherwise). */
  providerTimeoutMs: 'GPU_SHOPPER_PROVIDER_TIMEOUT_MS',
  /** Calls a second the Vast.ai adapter paces itself to (your key's limit; 1 by default). */
  vastaiCallsPerSecond: 'GPU_SHOPPER_VASTAI_CALLS_PER_SECOND',
  /** Calls a second the TensorDock adapter paces itself to (1.6 by default: its 100 a minute). */
  tensordockCallsPerSecond: 'GPU_SHOPPER_TENSORDOCK_CALLS_PER_SECOND',
  vastaiApiUrl: 'VASTAI_API_URL',
  vastaiApiKey: 'VASTAI_API_KEY',
  tensordockApiUrl: 'TENSORDOCK_API_URL',
  tensordockApiToken: 'TENSORDOCK_API_TOKEN',
  tensordockAuthId: 'TENSORDOCK_AUTH_ID',
} as const

export type EnvName = (typeof ENV)[keyof typeof ENV]

export function readEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[name]
  return value === undefined || value === '' ? undefined : value
}

export interface IntRange {
  min: number
  max: number
}

/**
 * Offers a simulated Vast.ai market may generate (`sim start --offers`, GPU_SHOPPER_SIM_OFFERS).
 * 200k offers take about 1.3 s to generate and 300 MB of memory (2 cores).
 */
export const SIM_OFFERS_RANGE: IntRange = {min: 1, max: 200_000}

/** GPU_SHOPPER_LOG_MAX_BYTES: from a few lines (tests) to 1 GiB. */
export const LOG_MAX_BYTES_RANGE: IntRange = {min: 1024, max: 1024 ** 3}

/** GPU_SHOPPER_PROVIDER_TIMEOUT_MS: from 100 ms (a local simulator) to 10 minutes. */
export const PROVIDER_TIMEOUT_RANGE: IntRange = {min: 100, max: 600_000}

/** Offers one Vast.ai search may ask for (GPU_SHOPPER_VASTAI_SEARCH_LIMIT); the largest simulated market fits. */
export const VASTAI_SEARCH_LIMIT_RANGE: IntRange = {min: 1, max: 200_000}

/** A whole number within `range`, or undefined when unset; anything else throws, naming the variable and what it accepts. */
export function readIntEnv(name: EnvName, range: IntRange, env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = readEnv(name, env)
  if (raw === undefined) return undefined
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new Error(`${name} must be a whole number from ${range.min} to ${range.max}, got "${raw}"`)
  }
  return value
}
