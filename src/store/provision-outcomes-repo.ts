import {HEALTH_WINDOW_MS, type ProvisionOutcome, type ProvisionOutcomeKind} from '../core/offer-health.js'
import type {SqlDatabase} from './sql/sql-database.js'

interface OutcomeRow {
  session_id: string
  provider: string
  offer_id: string
  host_id: string | null
  kind: string
  detail: string | null
  at: number
}

/** How each session's provisioning ended, per offer and host (core/offer-health.ts reads them). */
export class ProvisionOutcomesRepo {
  #writes = 0

  constructor(private readonly db: SqlDatabase) {}

  /**
   * How many outcomes this process has recorded (or tried to): what it computed from the
   * outcomes before the count changed may be out of date. Other processes' records are not
   * counted; readers that remember bound how long instead.
   */
  get writes(): number {
    return this.#writes
  }

  /** One outcome per session and offer: the first recorded stands (a step re-run after a crash, or a resume, records nothing new). */
  async record(o: ProvisionOutcome): Promise<void> {
    this.#writes++
    await this.db.run(
      `INSERT INTO provision_outcomes (session_id, provider, offer_id, host_id, succeeded, kind, detail, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session_id, offer_id) DO NOTHING`,
      [o.sessionId, o.provider, o.offerId, o.hostId, o.kind === 'running' ? 1 : 0, o.kind, o.detail, o.at],
    )
  }

  /** Recent outcomes on any of these offers or hosts (one index seek per key). */
  async ofOffers(offers: readonly {id: string; hostId?: string | null}[], now: number): Promise<ProvisionOutcome[]> {
    if (offers.length === 0) return []
    const hosts = [...new Set(offers.flatMap((o) => (o.hostId ? [o.hostId] : [])))]
    const rows = await this.db.all<OutcomeRow>(
      `SELECT * FROM provision_outcomes WHERE at > @since AND (${this.db.inList('offer_id', '@offers')} OR ${this.db.inList('host_id', '@hosts')})`,
      {since: now - HEALTH_WINDOW_MS, offers: this.db.list(offers.map((o) => o.id)), hosts: this.db.list(hosts)},
    )
    return rows.map(toOutcome)
  }

  /** Every recent outcome, newest first, of one provider or host if asked. */
  async recent(now: number, filter: {provider?: string; hostId?: string; offerId?: string} = {}): Promise<ProvisionOutcome[]> {
    const rows = await this.db.all<OutcomeRow>(
      `SELECT * FROM provision_outcomes
       WHERE at > @since
         AND (CAST(@provider AS TEXT) IS NULL OR provider = @provider)
         AND (CAST(@host AS TEXT) IS NULL OR host_id = @host)
         AND (CAST(@offer AS TEXT) IS NULL OR offer_id = @offer)
       ORDER BY at DESC, session_id`,
      {since: now - HEALTH_WINDOW_MS, provider: filter.provider ?? null, host: filter.hostId ?? null, offer: filter.offerId ?? null},
    )
    return rows.map(toOutcome)
  }
}

function toOutcome(r: OutcomeRow): ProvisionOutcome {
  return {sessionId: r.session_id, provider: r.provider, offerId: r.offer_id, hostId: r.host_id, kind: r.kind as ProvisionOutcomeKind, detail: r.detail, at: Number(r.at)}
}
