import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'

import {Store} from '../store.js'
import {SQLITE_MIGRATIONS} from './index.js'

describe('migration 014: preserved sessions', () => {
  it('widens the status check in place: rows kept, foreign keys intact, preserved allowed and nothing else new', async () => {
    // Given a database as version 13 left it, with a session, its event and its billing
    const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-migration-'))
    const file = join(dir, 'db.sqlite')
    const db = new Database(file)
    db.pragma('foreign_keys = ON')
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 13)) db.exec(m.sql)
    db.pragma('user_version = 13')
    db.prepare(
      `INSERT INTO sessions (id, consumer_id, provider, provider_instance_id, offer_id, offer_provider_id, gpu_type, gpu_count, status,
         ssh_public_key, workload_type, reservation_hours, price_per_hour_micro, disk_gb, storage_policy, idle_threshold_minutes,
         hard_max_override, created_at, updated_at, expires_at)
       VALUES ('sess-1', 'team', 'vastai', '9000001', 'vastai-1', '1', 'RTX 4090', 1, 'running', 'ssh-ed25519 AAAA k', 'ssh', 2, 360000, 50, 'preserve', 0, 0, 0, 0, 7200000)`,
    ).run()
    db.prepare("INSERT INTO session_events (session_id, at, type, actor, message) VALUES ('sess-1', 0, 'status', 'api', 'requested')").run()
    db.prepare("INSERT INTO session_billing (session_id, storage_from, storage_price_micro, compute_from, compute_price_micro) VALUES ('sess-1', 0, 10000, 0, 350000)").run()
    db.close()

    // When this version opens it
    const store = Store.open(file)
    try {
      // Then the rows are as they were, and a session can now be preserved
      expect((await store.db.get<{user_version: number}>('PRAGMA user_version'))!.user_version).toBeGreaterThanOrEqual(14)
      expect(await store.sessions.get('sess-1')).toMatchObject({status: 'running', storagePolicy: 'preserve', resumes: 0, resumedAt: null})
      expect(await store.billing.get('sess-1')).toMatchObject({computeUntil: null, storagePerHour: 10_000})
      expect(await store.sessions.update('sess-1', 'running', {status: 'preserved'}, 1)).toBe(true)
      await expect(store.db.run("UPDATE sessions SET status = 'paused' WHERE id = 'sess-1'")).rejects.toThrow(/CHECK constraint failed/)
      await expect(store.db.run("INSERT INTO session_events (session_id, at, type, actor, message) VALUES ('sess-none', 0, 'status', 'api', 'x')")).rejects.toThrow(/FOREIGN KEY/)
      expect(await store.db.all('PRAGMA foreign_key_check')).toEqual([])
    } finally {
      await store.close()
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
