import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'

import {Store} from '../store.js'
import {SQLITE_MIGRATIONS} from './index.js'

describe('migration 008: idempotency results', async () => {
  it('keeps the session of every recorded create under its operation and drops recorded releases', async () => {
    // Given a database as version 7 left it, with records of route-scoped HTTP replies.
    const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-migration-'))
    const db = new Database(join(dir, 'db.sqlite'))
    db.pragma('foreign_keys = ON')
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 7)) db.exec(m.sql)
    db.pragma('user_version = 7')
    const record = db.prepare(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, resource_id, created_at, expires_at) VALUES (?, ?, 'h', ?, '{}', ?, 0, 1000)`,
    )
    record.run('POST /api/v1/sessions', 'k-create', 201, 'sess-a')
    record.run('POST /api/v1/allocations', 'k-alloc', 201, 'sess-b')
    record.run('POST /api/v1/sessions/:id/done', 'k-done', 200, null)
    record.run('POST /api/v1/allocations/:id/release', 'k-release', 200, null)

    // When it is opened by this version.
    db.close()
    const store = Store.open(join(dir, 'db.sqlite'))

    // Then a retried create still finds its session, and the HTTP reply is gone.
    expect(await store.idempotency.find('create-session', 'k-create', 500)).toMatchObject({resourceId: 'sess-a', result: null, requestHash: 'h'})
    expect(await store.idempotency.find('create-session-by-spec', 'k-alloc', 500)).toMatchObject({resourceId: 'sess-b', result: null})
    expect(await store.db.get('SELECT count(*) AS n FROM idempotency_keys')).toEqual({n: 2})
    expect((await store.db.all<{name: string}>('SELECT name FROM pragma_table_info(?)', ['idempotency_keys'])).map((c) => c.name)).not.toContain('status_code')
    await store.close()
    rmSync(dir, {recursive: true, force: true})
  })
})
