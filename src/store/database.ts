import {chmodSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import Database from 'better-sqlite3'

import {MIGRATIONS} from './migrations/index.js'

export type Db = Database.Database

/**
 * Opens (creating if needed) the one SQLite file the daemon writes. WAL for concurrent
 * readers. NORMAL sync: in WAL mode every commit survives a crash of the process (kill -9),
 * and only a power loss can take back the last ones, which is why the commits that come
 * before a paid action at a provider (the intent to create, the create about to go out) are
 * made with FULL sync (`Store.durably`). FULL everywhere put an fsync on every status poll:
 * under a burst of creates, that was most of the daemon's time.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('synchronous = NORMAL')
  db.pragma('busy_timeout = 5000')
  if (file !== ':memory:') chmodSync(file, 0o600)
  migrate(db)
  cacheStatements(db)
  return db
}

/** Distinct SQL texts the repositories prepare; IN-lists of varying length make a few dozen more. */
const STATEMENT_CACHE_LIMIT = 500

/**
 * Makes `db.prepare` reuse the statement prepared for the same SQL. The repositories prepare
 * where they query, and compiling a statement costs more than running it: under a burst of
 * creates, preparing was a fifth of the daemon's CPU time. A statement still busy in an
 * iterator (an export being streamed) is never handed out twice: that caller gets a fresh one.
 * Statements are shared, so no caller may switch one's mode (`pluck`, `raw`, `expand`).
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db)
  const cache = new Map<string, Database.Statement>()
  db.prepare = ((source: string) => {
    const cached = cache.get(source)
    if (cached && !cached.busy) return cached
    const statement = prepare(source)
    if (!cached) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear()
      cache.set(source, statement)
    }
    return statement
  }) as Db['prepare']
}

export function migrate(db: Db): void {
  const current = db.pragma('user_version', {simple: true}) as number
  const latest = MIGRATIONS.at(-1)?.version ?? 0
  if (current > latest) {
    throw new Error(`database schema version ${current} is newer than this gpu-shopper (${latest}); upgrade gpu-shopper`)
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue
    db.transaction(() => {
      db.exec(migration.sql)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
}
