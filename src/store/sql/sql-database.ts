/** Positional (`?`) or named (`@name`) parameters, as better-sqlite3 takes them. */
export type SqlParams = readonly unknown[] | Readonly<Record<string, unknown>>

export type SqlDialect = 'sqlite' | 'postgres'

export interface TransactionOptions {
  /**
   * The commit must survive a power loss before this returns: for a commit a paid action at a
   * provider depends on. PostgreSQL commits are always synchronous; SQLite syncs its log.
   */
  durable?: boolean
  /**
   * Only reads, all from one snapshot: a report whose sums must agree with each other while
   * other processes write (REPEATABLE READ READ ONLY on PostgreSQL; every SQLite transaction
   * already reads one snapshot).
   */
  snapshot?: boolean
}

/**
 * One database, SQLite or PostgreSQL, behind the same asynchronous calls. The repositories
 * write one SQL text for both where the engines agree (most of it) and ask `dialect` where
 * they differ. A call made inside `transaction` (anywhere below it on the same async path)
 * runs in that transaction: callers never pass a connection around.
 */
export interface SqlDatabase {
  readonly dialect: SqlDialect
  all<T>(sql: string, params?: SqlParams): Promise<T[]>
  /**
   * Rows as arrays of their column values in SELECT order: for pages of many rows, where
   * building an object per row cost more than reading it.
   */
  values(sql: string, params?: SqlParams): Promise<unknown[][]>
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>
  /** For INSERT/UPDATE/DELETE: how many rows changed. */
  run(sql: string, params?: SqlParams): Promise<{changes: number}>
  /** Several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
  /**
   * Runs `fn` atomically. Nested calls join the transaction they are in. `fn` must only wait
   * for the database: on SQLite every other statement waits for the transaction to end.
   */
  transaction<T>(fn: () => Promise<T>, options?: TransactionOptions): Promise<T>
  /**
   * Serialises transactions that take the same key until they end: for check-then-insert
   * rules (one live session per offer, one first use of an idempotency key) that several
   * server processes could otherwise pass at once. Must be called inside a transaction.
   * SQLite has one writer, so there it costs nothing.
   */
  lockKey(key: string): Promise<void>
  /** `expr IN (list)` for a list parameter made by `list`: one statement text for any length. */
  inList(expr: string, param: string): string
  list(values: readonly (string | number)[]): unknown
  /** The migration the schema is at. */
  schemaVersion(): Promise<number>
  /**
   * Where another connection can open this same database (the market ingest thread opens its
   * own), or null when none can (an in-memory SQLite database).
   */
  readonly location: DatabaseLocation | null
  /**
   * A number that changes whenever another connection commits (SQLite's `data_version`), so
   * what this process remembers of the data can be checked; null where commits of others
   * cannot be followed that way (PostgreSQL).
   */
  dataVersion(): Promise<number | null>
  close(): Promise<void>
}

/**
 * Where a database is, for a second connection to it. A SQLite file's location carries the
 * process's write turn (see WriteTurn): a thread opening it takes turns with the main thread.
 */
export type DatabaseLocation = {engine: 'sqlite'; file: string; writeTurn?: SharedArrayBuffer} | {engine: 'postgres'; url: string; statementTimeoutMs?: number}
