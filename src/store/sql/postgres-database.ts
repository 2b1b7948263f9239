import {AsyncLocalStorage} from 'node:async_hooks'

import pg from 'pg'

import {POSTGRES_MIGRATIONS} from '../migrations/postgres/index.js'
import {toPostgres} from './placeholders.js'
import {PostgresListener} from './postgres-listener.js'
import type {DatabaseLocation, SqlDatabase, SqlParams, TransactionOptions} from './sql-database.js'

export interface PostgresOptions {
  url: string
  /** Connections this process keeps open at most. */
  poolSize?: number
  /** A statement running longer is cancelled (ms); 0 for none. */
  statementTimeoutMs?: number
  /** Shown in pg_stat_activity. */
  applicationName?: string
}

/** `pg_advisory_lock` key under which one process at a time migrates (any constant will do). */
const MIGRATION_LOCK = 7_361_902_114

const INT8 = 20
const NUMERIC = 1700

/**
 * bigint columns (micro-USD, epoch milliseconds) and sums of them come back as numbers, as
 * SQLite gives them. Both stay far below 2^53; one that did not would be refused, not rounded.
 */
function exactNumber(text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) && !(Number.isFinite(n) && text.includes('.'))) throw new Error(`database value ${text} does not fit a number exactly`)
  return n
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return exactNumber
    return pg.types.getTypeParser(oid, format)
  }) as typeof pg.types.getTypeParser,
}

/**
 * The team server's engine: a pool of connections to one PostgreSQL database that several
 * server processes share. A transaction takes one connection for its length; the statements
 * made under it (on the same async path) go to that connection.
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const
  private readonly scope = new AsyncLocalStorage<{client: pg.PoolClient; open: boolean; queue: Promise<unknown>}>()

  readonly location: DatabaseLocation

  private constructor(
    readonly pool: pg.Pool,
    private readonly url: string,
    statementTimeoutMs: number | undefined,
  ) {
    this.location = {engine: 'postgres', url, ...(statementTimeoutMs ? {statementTimeoutMs} : {})}
  }

  /** Connects and brings the schema up to date, one process at a time. */
  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'gpu-shopper',
      ...(options.statementTimeoutMs ? {statement_timeout: options.statementTimeoutMs} : {}),
      types,
    })
    // An idle connection the server drops (restart, failover) must not take the process down.
    pool.on('error', () => undefined)
    const db = new PostgresDatabase(pool, options.url, options.statementTimeoutMs)
    try {
      await migratePostgres(pool)
    } catch (err) {
      await pool.end()
      throw err
    }
    return db
  }

  async dataVersion(): Promise<null> {
    return null
  }

  async all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[]
  }

  async values(sql: string, params?: SqlParams): Promise<unknown[][]> {
    return (await this.query(sql, params, 'array')).rows as unknown[][]
  }

  async get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined
  }

  async run(sql: string, params?: SqlParams): Promise<{changes: number}> {
    return {changes: (await this.query(sql, params)).rowCount ?? 0}
  }

  async exec(sql: string): Promise<void> {
    await this.connection().query(sql)
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.scope.getStore()?.open) return fn()
    const client = await this.pool.connect()
    const tx = {client, open: true, queue: Promise.resolve() as Promise<unknown>}
    let broken: Error | undefined
    try {
      await client.query(options.snapshot ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN')
      const result = await this.scope.run(tx, fn)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed))
      throw err
    } finally {
      tx.open = false
      // A connection whose rollback failed is in an unknown state: the pool closes it.
      client.release(broken)
    }
  }

  async lockKey(key: string): Promise<void> {
    if (!this.scope.getStore()?.open) throw new Error('lockKey must be called inside a transaction')
    await this.query('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [key])
  }

  inList(expr: string, param: string): string {
    return `(${expr}) = ANY(${param})`
  }

  list(values: readonly (string | number)[]): unknown {
    return values
  }

  /** Listens on `channel` (on a connection of its own) until the listener is stopped. */
  async listen(channel: string, onPayload: (payload: string) => void, onReconnect?: () => void): Promise<PostgresListener> {
    const listener = new PostgresListener(this.url, channel, onPayload, onReconnect)
    await listener.start()
    return listener
  }

  async schemaVersion(): Promise<number> {
    return (await this.get<{v: number | null}>('SELECT max(version) AS v FROM schema_migrations'))?.v ?? 0
  }

  async close(): Promise<void> {
    await this.pool.end()
  }

  private connection(): pg.Pool | pg.PoolClient {
    const tx = this.scope.getStore()
    return tx?.open ? tx.client : this.pool
  }

  /**
   * In a transaction, statements go to its one connection one after another, even when the
   * code under it starts several at once (a connection runs one query at a time).
   */
  private query(sql: string, params: SqlParams | undefined, rowMode?: 'array'): Promise<pg.QueryResult> {
    const {text, values} = toPostgres(sql, params)
    const config: pg.QueryArrayConfig | pg.QueryConfig = rowMode ? {text, values, rowMode} : {text, values}
    const tx = this.scope.getStore()
    if (!tx?.open) return this.pool.query(config as pg.QueryConfig)
    const run = tx.queue.then(() => tx.client.query(config as pg.QueryConfig))
    tx.queue = run.catch(() => undefined)
    return run
  }
}

async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      )
      const {rows} = await client.query<{v: number | null}>('SELECT max(version) AS v FROM schema_migrations')
      const current = rows[0]?.v ?? 0
      const latest = POSTGRES_MIGRATIONS.at(-1)?.version ?? 0
      if (current > latest) {
        throw new Error(`database schema version ${current} is newer than this gpu-shopper (${latest}); upgrade gpu-shopper`)
      }
      for (const migration of POSTGRES_MIGRATIONS) {
        if (migration.version <= current) continue
        await client.query('BEGIN')
        try {
          await client.query(migration.sql)
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name])
          await client.query('COMMIT')
        } catch (err) {
          await client.query('ROLLBACK')
          throw err
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
    }
  } finally {
    client.release()
  }
}
