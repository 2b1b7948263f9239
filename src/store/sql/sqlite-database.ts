import {AsyncLocalStorage} from 'node:async_hooks'
import {chmodSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import {Mutex} from 'async-mutex'
import Database from 'better-sqlite3'

import {SQLITE_MIGRATIONS, type SchemaEdit} from '../migrations/index.js'
import type {DatabaseLocation, SqlDatabase, SqlParams, TransactionOptions} from './sql-database.js'
import {WriteTurn} from './write-turn.js'

/** Distinct SQL texts the repositories prepare; IN-lists and filter shapes make a few hundred. */
const STATEMENT_CACHE_LIMIT = 500

/**
 * The embedded engine: one SQLite file, one connection. WAL for concurrent readers. NORMAL
 * sync: in WAL mode every commit survives a crash of the process (kill -9), and only a power
 * loss can take back the last ones, which is why the commits that come before a paid action at
 * a provider are made durable (FULL sync for that commit). FULL everywhere put an fsync on
 * every status poll: under a burst of creates, that was most of the daemon's time.
 *
 * better-sqlite3 is synchronous, so a statement outside a transaction runs at once. A
 * transaction spans awaits, so it holds a mutex: statements from other async paths wait for
 * it to end rather than land inside it. Writes also take the process's write turn (WriteTurn)
 * first, so a connection of another thread (the market ingest) is waited for without blocking.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const
  private readonly statements = new Map<string, Database.Statement>()
  /** Held by the transaction under way or waiting for the write turn: transactions queue on it. */
  private readonly writers = new Mutex()
  /** Held while a transaction is open (BEGIN to COMMIT): statements of other async paths wait for it. */
  private readonly open = new Mutex()
  private readonly scope = new AsyncLocalStorage<{open: boolean}>()

  readonly location: DatabaseLocation | null

  /** Absent for `:memory:`, which no other connection can open. */
  private readonly turn: WriteTurn | undefined

  private constructor(
    readonly file: string,
    private readonly db: Database.Database,
    writeTurn: SharedArrayBuffer | undefined,
  ) {
    this.turn = file === ':memory:' ? undefined : new WriteTurn(writeTurn)
    this.location = this.turn ? {engine: 'sqlite', file, writeTurn: this.turn.shared} : null
  }

  /** `writeTurn`: the turn of the connection this one is opened beside, in another thread of this process. */
  static open(file: string, writeTurn?: SharedArrayBuffer): SqliteDatabase {
    if (file !== ':memory:') mkdirSync(dirname(file), {recursive: true, mode: 0o700})
    const db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('synchronous = NORMAL')
    db.pragma('busy_timeout = 5000')
    if (file !== ':memory:') chmodSync(file, 0o600)
    migrateSqlite(db)
    return new SqliteDatabase(file, db, writeTurn)
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.when(() => bind(this.statement(sql), params, (s, p) => s.all(...p)) as T[])
  }

  values(sql: string, params?: SqlParams): Promise<unknown[][]> {
    return this.when(() => bind(this.statement(sql, true), params, (s, p) => s.all(...p)) as unknown[][])
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.when(() => bind(this.statement(sql), params, (s, p) => s.get(...p)) as T | undefined)
  }

  run(sql: string, params?: SqlParams): Promise<{changes: number}> {
    const write = () => this.when(() => ({changes: bind(this.statement(sql), params, (s, p) => s.run(...p)).changes}))
    // A write outside a transaction takes the turn too, in a transaction of its own.
    if (this.turn && !this.scope.getStore()?.open) return this.transaction(write)
    return write()
  }

  exec(sql: string): Promise<void> {
    return this.when(() => void this.db.exec(sql))
  }

  async transaction<T>(fn: () => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    if (this.scope.getStore()?.open) return fn()
    const releaseWriters = await this.writers.acquire()
    try {
      // Waiting for another thread's write holds up only this process's other writes; reads go on.
      await this.turn?.take()
      try {
        return await this.open.runExclusive(() => this.inTransaction(fn, options))
      } finally {
        this.turn?.give()
      }
    } finally {
      releaseWriters()
    }
  }

  /** One transaction, from BEGIN to COMMIT (or ROLLBACK). */
  private async inTransaction<T>(fn: () => Promise<T>, options: TransactionOptions): Promise<T> {
    const tx = {open: true}
    // Inside a transaction SQLite cannot change the sync level, so it is set around it.
    if (options.durable) this.db.pragma('synchronous = FULL')
    try {
      this.db.exec('BEGIN IMMEDIATE')
      try {
        const result = await this.scope.run(tx, fn)
        this.db.exec('COMMIT')
        return result
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK')
        throw err
      }
    } finally {
      tx.open = false
      if (options.durable) this.db.pragma('synchronous = NORMAL')
    }
  }

  async lockKey(): Promise<void> {
    if (!this.scope.getStore()?.open) throw new Error('lockKey must be called inside a transaction')
  }

  inList(expr: string, param: string): string {
    return `${expr} IN (SELECT value FROM json_each(${param}))`
  }

  list(values: readonly (string | number)[]): unknown {
    return JSON.stringify(values)
  }

  async dataVersion(): Promise<number> {
    // Asked on every inventory query: through the statement cache (`pragma()` prepares each call).
    return this.pragmaValue('PRAGMA data_version')
  }

  async schemaVersion(): Promise<number> {
    // Asked by every /health probe: through the statement cache, as data_version is.
    return this.pragmaValue('PRAGMA user_version')
  }

  private pragmaValue(sql: string): number {
    return (this.statement(sql, true).get() as [number])[0]
  }

  async close(): Promise<void> {
    await this.writers.runExclusive(() => this.open.runExclusive(() => this.db.close()))
  }

  /** Runs now, unless another async path has a transaction open: then after it. */
  private when<T>(statement: () => T): Promise<T> {
    if (!this.open.isLocked() || this.scope.getStore()?.open) {
      try {
        return Promise.resolve(statement())
      } catch (err) {
        return Promise.reject(err as Error)
      }
    }
    return this.open.runExclusive(statement)
  }

  /**
   * Reuses the statement prepared for the same SQL: compiling costs more than running, and
   * under a burst of creates preparing was a fifth of the daemon's CPU time.
   */
  private statement(sql: string, raw = false): Database.Statement {
    // Raw (array) rows are a mode of the prepared statement: cached apart.
    const key = raw ? `raw\u0000${sql}` : sql
    let statement = this.statements.get(key)
    if (statement === undefined) {
      statement = this.db.prepare(sql)
      if (raw) statement.raw(true)
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear()
      this.statements.set(key, statement)
    }
    return statement
  }
}

function bind<R>(statement: Database.Statement, params: SqlParams | undefined, call: (s: Database.Statement, p: unknown[]) => R): R {
  if (params === undefined) return call(statement, [])
  return call(statement, Array.isArray(params) ? params : [params])
}

export function migrateSqlite(db: Database.Database): void {
  const current = db.pragma('user_version', {simple: true}) as number
  const latest = SQLITE_MIGRATIONS.at(-1)?.version ?? 0
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this gpu-shopper (${latest}); upgrade gpu-shopper`)
  }
  for (const migration of SQLITE_MIGRATIONS) {
    if (migration.version <= current) continue
    db.transaction(() => {
      db.exec(migration.sql)
      if (migration.schemaEdit) editTableDefinition(db, migration.schemaEdit)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
}

/**
 * Rewrites one table's stored definition inside the migration's transaction, then bumps the
 * schema version so every connection reads it again. better-sqlite3 opens connections in
 * defensive mode, which forbids writing sqlite_schema: it is lifted for this edit only.
 */
function editTableDefinition(db: Database.Database, edit: SchemaEdit): void {
  const row = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(edit.table) as {sql: string} | undefined
  if (!row?.sql.includes(edit.from)) throw new Error(`migration: table ${edit.table} does not have the definition it edits (${edit.from})`)
  const version = db.pragma('schema_version', {simple: true}) as number
  db.unsafeMode(true)
  try {
    db.pragma('writable_schema = ON')
    db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?").run(row.sql.replace(edit.from, edit.to), edit.table)
    db.pragma(`schema_version = ${version + 1}`)
    db.pragma('writable_schema = OFF')
  } finally {
    db.unsafeMode(false)
  }
  const problems = db.pragma('quick_check') as {quick_check: string}[]
  if (problems[0]?.quick_check !== 'ok') throw new Error(`migration: the database is not sound after editing ${edit.table}: ${JSON.stringify(problems)}`)
}
