import type {DatabaseLocation, SqlDatabase} from './sql-database.js'
import {SqliteDatabase} from './sqlite-database.js'

/** A second connection to a database the daemon already opened (and migrated). */
export async function openDatabase(location: DatabaseLocation, applicationName: string): Promise<SqlDatabase> {
  if (location.engine === 'sqlite') return SqliteDatabase.open(location.file, location.writeTurn)
  const {PostgresDatabase} = await import('./postgres-database.js')
  return PostgresDatabase.open({url: location.url, poolSize: 1, statementTimeoutMs: location.statementTimeoutMs, applicationName})
}
