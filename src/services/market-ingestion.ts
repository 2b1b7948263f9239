import type {Offer} from '../core/offer.js'
import {PriceStats} from '../core/price-stats.js'
import type {ProviderName} from '../core/provider-name.js'
import type {MarketDecoder} from '../providers/market-stream.js'
import type {OffersRepo} from '../store/offers-repo.js'
import type {PriceHistoryRepo} from '../store/price-history-repo.js'
import type {SqlDatabase} from '../store/sql/sql-database.js'

/** What a market refresh read and stored. */
export interface IngestResult {
  /** Offers stored. */
  offers: number
  /** Offers in the reply that could not be read. */
  skipped: number
  problems: string[]
  /** The provider's offers that were not in this market any more, now marked unavailable. */
  gone: number
}

export interface IngestTarget {
  db: SqlDatabase
  offers: OffersRepo
  priceHistory: PriceHistoryRepo
}

/**
 * Offers stored per transaction. Each batch is one short write (a few ms), so the daemon's own
 * writes on the same SQLite file never wait long behind a refresh; a full market is many.
 */
export const INGEST_BATCH = 1000

/**
 * Stores a market as it is decoded: a batch of offers per transaction, so memory stays bounded
 * by a batch whatever the market's size. Readers meanwhile see each offer either as it was or
 * as it is now. Once the whole market is in, the provider's offers it no longer has are marked
 * gone and the refresh's price points recorded, together.
 */
export class MarketIngestion {
  private batch: Offer[] = []
  private stored = 0
  private readonly prices = new PriceStats()

  constructor(
    private readonly target: IngestTarget,
    private readonly provider: ProviderName,
    /** When the refresh started: offers fetched before it and not seen again are gone. */
    private readonly started: number,
    private readonly decoder: MarketDecoder,
  ) {}

  async push(chunk: Uint8Array): Promise<void> {
    this.add(this.decoder.push(chunk))
    while (this.batch.length >= INGEST_BATCH) await this.flush()
  }

  async finish(): Promise<IngestResult> {
    this.add(this.decoder.end())
    while (this.batch.length > 0) await this.flush()
    let gone = 0
    await this.target.db.transaction(async () => {
      gone = await this.target.offers.markMissingUnavailable(this.provider, this.started)
      await this.target.priceHistory.record(this.provider, this.started, this.prices.points())
    })
    return {offers: this.stored, skipped: this.decoder.skipped, problems: [...this.decoder.problems], gone}
  }

  private add(offers: Offer[]): void {
    if (offers.length === 0) return
    this.prices.addAll(offers)
    for (const offer of offers) this.batch.push(offer)
  }

  /** Stores one transaction's worth of the offers decoded. */
  private async flush(): Promise<void> {
    const batch = this.batch.length <= INGEST_BATCH ? this.batch : this.batch.slice(0, INGEST_BATCH)
    this.batch = batch === this.batch ? [] : this.batch.slice(INGEST_BATCH)
    await this.target.offers.upsertMany(batch)
    this.stored += batch.length
  }
}
