import Database from 'better-sqlite3'
import {describe, expect, it} from 'vitest'

import {asMicroUsd} from '../../core/money.js'
import {migrate} from '../database.js'
import {SessionsRepo, type StoredSession} from '../sessions-repo.js'
import {Store} from '../store.js'
import {MIGRATIONS} from './index.js'

const HOUR = 3_600_000

function session(id: string, over: Partial<StoredSession>): StoredSession {
  return {
    id, consumerId: 'team', provider: 'vastai', providerInstanceId: '9000001', offerId: 'vastai-1', offerProviderId: '1',
    gpuType: 'RTX 4090', gpuCount: 1, status: 'running', sshHost: null, sshPort: null, sshUser: null, sshPublicKey: 'ssh-ed25519 AAAA k',
    sshHostKeyFingerprint: null, workloadType: 'ssh', reservationHours: 2, pricePerHour: asMicroUsd(360_000), diskGb: 50,
    storagePolicy: 'destroy', idleThresholdMinutes: 0, templateHashId: null, hardMaxOverride: false, createdAt: 0, updatedAt: 0,
    startedAt: 1_000, expiresAt: 2 * HOUR, stoppedAt: null, failureReason: null, spec: null, offerAttempts: 1,
    createAttemptedAt: null, idleSince: null, lastGpuSampleAt: null, lastGpuUtilizationPct: null, destroyRequestedAt: null,
    ...over,
  }
}

describe('migration 006: provider billing', () => {
  it('keeps old ledger rows as compute and carries sessions billed before it on their old terms', () => {
    // Given a database as version 5 left it, with one running and one stopped session billed.
    const db = new Database(':memory:')
    db.pragma('foreign_keys = ON')
    for (const m of MIGRATIONS.filter((m) => m.version <= 5)) db.exec(m.sql)
    db.pragma('user_version = 5')
    const sessions = new SessionsRepo(db)
    sessions.insert(session('sess-live', {}))
    sessions.insert(session('sess-done', {status: 'stopped', stoppedAt: 1_000 + HOUR}))
    const ledger = db.prepare(
      `INSERT INTO ledger (session_id, consumer_id, provider, gpu_type, period_start, period_end, price_per_hour_micro, amount_micro) VALUES (?, 'team', 'vastai', 'RTX 4090', ?, ?, 360000, ?)`,
    )
    ledger.run('sess-live', 1_000, 1_000 + HOUR / 2, 180_000)
    ledger.run('sess-done', 1_000, 1_000 + HOUR, 360_000)

    // When it is opened by this version.
    migrate(db)
    const store = new Store(db)

    // Then nothing billed is lost, and the live session keeps accruing from where it was.
    expect(store.ledger.totalForSession('sess-live')).toBe(180_000)
    expect(store.ledger.accruedUntil('sess-live', 'compute')).toBe(1_000 + HOUR / 2)
    expect(store.billing.get('sess-live')).toMatchObject({storageFrom: 1_000, computeFrom: 1_000, computePerHour: 360_000, storagePerHour: 0, endedAt: null, settledAt: null})
    expect(store.billing.get('sess-done')).toMatchObject({endedAt: 1_000 + HOUR, settledAt: 1_000 + HOUR})
    expect(store.billing.running().map((b) => b.sessionId)).toEqual(['sess-live'])
    expect([...store.ledger.rows({})].map((r) => r.component)).toEqual(['compute', 'compute'])
    store.close()
  })
})
