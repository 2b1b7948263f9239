import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'

import {Store} from '../store.js'
import {SQLITE_MIGRATIONS} from './index.js'

const HOUR = 3_600_000

/** A session row as version 5 stored it (today's repository writes columns that did not exist then). */
function insertV5Session(db: Database.Database, id: string, status: string, stoppedAt: number | null): void {
  db.prepare(
    `INSERT INTO sessions (id, consumer_id, provider, provider_instance_id, offer_id, offer_provider_id, gpu_type, gpu_count, status,
       ssh_public_key, workload_type, reservation_hours, price_per_hour_micro, disk_gb, storage_policy, idle_threshold_minutes,
       hard_max_override, created_at, updated_at, started_at, expires_at, stopped_at)
     VALUES (?, 'team', 'vastai', '9000001', 'vastai-1', '1', 'RTX 4090', 1, ?, 'ssh-ed25519 AAAA k', 'ssh', 2, 360000, 50, 'destroy', 0,
       0, 0, 0, 1000, ?, ?)`,
  ).run(id, status, 2 * HOUR, stoppedAt)
}

describe('migration 006: provider billing', async () => {
  it('keeps old ledger rows as compute and carries sessions billed before it on their old terms', async () => {
    // Given a database as version 5 left it, with one running and one stopped session billed.
    const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-migration-'))
    const db = new Database(join(dir, 'db.sqlite'))
    db.pragma('foreign_keys = ON')
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 5)) db.exec(m.sql)
    db.pragma('user_version = 5')
    insertV5Session(db, 'sess-live', 'running', null)
    insertV5Session(db, 'sess-done', 'stopped', 1_000 + HOUR)
    const ledger = db.prepare(
      `INSERT INTO ledger (session_id, consumer_id, provider, gpu_type, period_start, period_end, price_per_hour_micro, amount_micro) VALUES (?, 'team', 'vastai', 'RTX 4090', ?, ?, 360000, ?)`,
    )
    ledger.run('sess-live', 1_000, 1_000 + HOUR / 2, 180_000)
    ledger.run('sess-done', 1_000, 1_000 + HOUR, 360_000)

    // When it is opened by this version.
    db.close()
    const store = Store.open(join(dir, 'db.sqlite'))

    // Then nothing billed is lost, and the live session keeps accruing from where it was.
    expect(await store.ledger.totalForSession('sess-live')).toBe(180_000)
    expect(await store.ledger.accruedUntil('sess-live', 'compute')).toBe(1_000 + HOUR / 2)
    expect(await store.billing.get('sess-live')).toMatchObject({storageFrom: 1_000, computeFrom: 1_000, computePerHour: 360_000, storagePerHour: 0, endedAt: null, settledAt: null})
    expect(await store.billing.get('sess-done')).toMatchObject({endedAt: 1_000 + HOUR, settledAt: 1_000 + HOUR})
    expect((await store.billing.running()).map((b) => b.sessionId)).toEqual(['sess-live'])
    const components: string[] = []
    for await (const row of store.ledger.rows({})) components.push(row.component)
    expect(components).toEqual(['compute', 'compute'])
    await store.close()
    rmSync(dir, {recursive: true, force: true})
  })
})
