/**
 * Every environment variable gpu-shopper reads, declared once. Provider credentials keep
 * their providers' usual names.
 */
export const ENV = {
  home: 'GPU_SHOPPER_HOME',
  server: 'GPU_SHOPPER_SERVER',
  token: 'GPU_SHOPPER_TOKEN',
  logLevel: 'GPU_SHOPPER_LOG_LEVEL',
  crashAt: 'GPU_SHOPPER_CRASH_AT',
  /** JSON object of daemon timing overrides in ms (tests, operators), e.g. {"orphanGraceMs":0}. */
  timings: 'GPU_SHOPPER_TIMINGS',
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
