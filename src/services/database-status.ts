import {scrubSecrets} from '../log/logger.js'
import type {SqlDialect} from '../store/sql/sql-database.js'
import type {ServiceContext} from './context.js'

/** How long a readiness probe waits for the database: a hung connection must not hang the probe. */
const PROBE_TIMEOUT_MS = 2_000

export interface DatabaseStatus {
  engine: SqlDialect
  reachable: boolean
  /** The round trip just now; null when it failed. */
  latencyMs: number | null
  schemaVersion: number | null
  /** Why it is unreachable, with nothing secret in it. */
  error: string | null
  /** Roles this process plays for all the processes on the database. */
  leaderRoles: string[]
}

/** One bounded round trip to the database, and the roles this process holds there. */
export async function databaseStatus(ctx: Pick<ServiceContext, 'store'>): Promise<DatabaseStatus> {
  const base = {engine: ctx.store.db.dialect, leaderRoles: [...ctx.store.leaders.held()].sort()}
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  try {
    const schemaVersion = await Promise.race([
      ctx.store.db.schemaVersion(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS))),
    ])
    return {...base, reachable: true, latencyMs: Math.round((performance.now() - started) * 10) / 10, schemaVersion, error: null}
  } catch (err) {
    return {...base, reachable: false, latencyMs: null, schemaVersion: null, error: scrubSecrets(err instanceof Error ? err.message : String(err))}
  } finally {
    clearTimeout(timer)
  }
}
