import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'

import {migrate} from '../database.js'
import {Store} from '../store.js'
import {MIGRATIONS} from './index.js'

describe('migration 008: idempotency results', () => {
  it('keeps the session of every recorded create under its operation and drops recorded releases', () => {
    // Given a database as version 7 left it, with records of route-scoped HTTP replies.
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    for (const m of MIGRATIONS.filter((m) => m.version <= 7)) db.exec(m.sql)
    db.pragma('user_version = 7')
    const record = db.prepare(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, resource_id, created_at, expires_at) VALUES (?, ?, 'h', ?, '{}', ?, 0, 1000)`,
    )
    record.run('POST /api/v1/sessions', 'k-create', 201, 'sess-a')
    record.run('POST /api/v1/allocations', 'k-alloc', 201, 'sess-b')
    record.run('POST /api/v1/sessions/:id/done', 'k-done', 200, null)
    record.run('POST /api/v1/allocations/:id/release', 'k-release', 200, null)

    // When it is opened by this version.
    migrate(db)
    const store = new Store(db)

    // Then a retried create still finds its session, and the HTTP reply is gone.
    expect(store.idempotency.find('create-session', 'k-create', 500)).toMatchObject({resourceId: 'sess-a', result: null, requestHash: 'h'})
    expect(store.idempotency.find('create-session-by-spec', 'k-alloc', 500)).toMatchObject({resourceId: 'sess-b', result: null})
    expect(db.prepare('SELECT count(*) AS n FROM idempotency_keys').get()).toEqual({n: 2})
    expect(db.prepare('SELECT name FROM pragma_table_info(?)').all('idempotency_keys').map((c) => (c as {name: string}).name)).not.toContain('status_code')
  })
})
