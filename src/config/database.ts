import {ENV, readEnv} from './env.js'

/** A team server's PostgreSQL database and how this process uses it. */
export interface DatabaseSettings {
  url: string
  /** Connections this process keeps at most. */
  poolSize: number
  /** A statement running longer is cancelled; 0 for no limit. */
  statementTimeoutMs: number
}

export const DEFAULT_POOL_SIZE = 10
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000

export interface DatabaseInput {
  url?: string
  poolSize?: string
  statementTimeoutMs?: string
}

/**
 * PostgreSQL settings from the flags (URL from GPU_SHOPPER_DATABASE_URL when not given), or
 * null for the embedded SQLite file. Throws naming the flag and what it takes.
 */
export function databaseSettingsFrom(input: DatabaseInput, env: NodeJS.ProcessEnv = process.env): DatabaseSettings | null {
  const url = input.url ?? readEnv(ENV.databaseUrl, env)
  if (url === undefined) {
    if (input.poolSize !== undefined || input.statementTimeoutMs !== undefined) {
      throw new Error(`--db-pool-size and --db-statement-timeout apply to PostgreSQL: give --database postgres://… (or ${ENV.databaseUrl}) too`)
    }
    return null
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new Error(`the database URL is not a URL (${redactDatabaseUrl(url)}); give postgres://USER:PASSWORD@HOST:5432/DATABASE`)
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`the database URL must start with postgres:// or postgresql://, got ${parsed.protocol}//…; the embedded SQLite database needs no URL`)
  }
  return {
    url,
    poolSize: wholeNumber(input.poolSize, '--db-pool-size', 1, 1_000, DEFAULT_POOL_SIZE),
    statementTimeoutMs: wholeNumber(input.statementTimeoutMs, '--db-statement-timeout', 0, 3_600_000, DEFAULT_STATEMENT_TIMEOUT_MS),
  }
}

/** The URL with its password replaced, for logs and messages. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
  }
}

function wholeNumber(raw: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (raw === undefined) return fallback
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}, got "${raw}"`)
  return value
}
