import {chmodSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import Database from 'better-sqlite3'

import {MIGRATIONS} from './migrations/index.js'

export type Db = Database.Database

/**
 * Opens (creating if needed) the one SQLite file the daemon writes. WAL for concurrent
 * readers, FULL sync because a lost commit could mean a forgotten paid instance.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  if (file !== ':memory:') chmodSync(file, 0o600)
  migrate(db)
  return db
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
