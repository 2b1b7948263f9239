import type {InstanceBilling} from '../core/billing.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {SqlDatabase} from './sql/sql-database.js'

interface BillingRow {
  session_id: string
  storage_from: number
  storage_price_micro: number
  compute_from: number | null
  compute_until: number | null
  compute_price_micro: number
  ended_at: number | null
  settled_at: number | null
  provider_charge_micro: number | null
}

/** The provider's billing terms per session's instance (see core/billing.ts). */
export class BillingRepo {
  constructor(private readonly db: SqlDatabase) {}

  async get(sessionId: string): Promise<InstanceBilling | null> {
    const row = await this.db.get<BillingRow>('SELECT * FROM session_billing WHERE session_id = ?', [sessionId])
    return row ? toBilling(row) : null
  }

  /**
   * Records what the provider said, never moving a start once known: the first report of a
   * create or of running is the one the provider bills from.
   */
  async record(terms: {sessionId: string; storageFrom: number; storagePerHour: MicroUsd; computeFrom: number | null; computePerHour: MicroUsd}): Promise<void> {
    await this.db.run(
        `INSERT INTO session_billing (session_id, storage_from, storage_price_micro, compute_from, compute_price_micro)
         VALUES (@session_id, @storage_from, @storage_price, @compute_from, @compute_price)
         ON CONFLICT (session_id) DO UPDATE SET
           compute_from = coalesce(session_billing.compute_from, excluded.compute_from),
           storage_price_micro = excluded.storage_price_micro,
           compute_price_micro = excluded.compute_price_micro
         WHERE session_billing.ended_at IS NULL`,
      {
        session_id: terms.sessionId,
        storage_from: terms.storageFrom,
        storage_price: terms.storagePerHour,
        compute_from: terms.computeFrom,
        compute_price: terms.computePerHour,
      },
    )
  }

  /** A stop the provider confirmed: compute stops billing here, storage bills on (the first confirmation wins). */
  async stopCompute(sessionId: string, at: number): Promise<void> {
    await this.db.run('UPDATE session_billing SET compute_until = ? WHERE session_id = ? AND compute_until IS NULL AND ended_at IS NULL', [at, sessionId])
  }

  /**
   * The stopped instance runs again: compute bills from `from` on. The ledger has compute up to
   * the stop already, so a start dated before it (clocks differ) bills nothing twice.
   */
  async resumeCompute(sessionId: string, from: number): Promise<void> {
    await this.db.run('UPDATE session_billing SET compute_from = ?, compute_until = NULL WHERE session_id = ? AND compute_until IS NOT NULL AND ended_at IS NULL', [
      from,
      sessionId,
    ])
  }

  /** The destroy the provider confirmed: billing stops here (the first confirmation wins). */
  async end(sessionId: string, endedAt: number): Promise<void> {
    await this.db.run('UPDATE session_billing SET ended_at = ? WHERE session_id = ? AND ended_at IS NULL', [endedAt, sessionId])
  }

  async settle(sessionId: string, settledAt: number, providerCharge: MicroUsd | null): Promise<void> {
    await this.db.run('UPDATE session_billing SET settled_at = ?, provider_charge_micro = ? WHERE session_id = ? AND settled_at IS NULL', [
      settledAt,
      providerCharge,
      sessionId,
    ])
  }

  /** Instances still billing (no confirmed destroy yet), of one consumer or session if asked. */
  async running(of: {consumerId?: string; sessionId?: string} = {}): Promise<InstanceBilling[]> {
    const rows = await this.db.all<BillingRow>(
      `SELECT b.* FROM session_billing b JOIN sessions s ON s.id = b.session_id
       WHERE b.ended_at IS NULL AND (CAST(@consumer AS TEXT) IS NULL OR s.consumer_id = @consumer) AND (CAST(@session AS TEXT) IS NULL OR b.session_id = @session)`,
      {consumer: of.consumerId ?? null, session: of.sessionId ?? null},
    )
    return rows.map(toBilling)
  }
}

function toBilling(r: BillingRow): InstanceBilling {
  return {
    sessionId: r.session_id,
    storageFrom: r.storage_from,
    storagePerHour: asMicroUsd(r.storage_price_micro),
    computeFrom: r.compute_from,
    computeUntil: r.compute_until,
    computePerHour: asMicroUsd(r.compute_price_micro),
    endedAt: r.ended_at,
    settledAt: r.settled_at,
    providerChargeMicro: r.provider_charge_micro === null ? null : asMicroUsd(r.provider_charge_micro),
  }
}
