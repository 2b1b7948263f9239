import {gpuTypeMatcher} from '../core/gpu-names.js'
import {asMicroUsd, type MicroUsd} from '../core/money.js'
import type {PricePoint} from '../core/price-stats.js'
import type {SqlDatabase} from './sql/sql-database.js'

export interface StoredPricePoint {
  provider: string
  gpuType: string
  at: number
  min: MicroUsd
  median: MicroUsd
  count: number
}

export class PriceHistoryRepo {
  constructor(private readonly db: SqlDatabase) {}

  async record(provider: string, at: number, points: readonly PricePoint[]): Promise<void> {
    await this.db.transaction(async () => {
      for (const p of points) {
        await this.db.run(
          'INSERT INTO price_points (provider, gpu_type, gpu_type_key, at, min_micro, median_micro, offer_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [provider, p.gpuType, p.gpuType.toLowerCase(), at, p.min, p.median, p.count],
        )
      }
    })
  }

  /**
   * Points of the GPU models a `--gpu-type` filter matches, oldest first: the same matcher as the
   * inventory decides ("H100" is every H100), over the models recorded (their keys suffice: the
   * matcher ignores case).
   */
  async history(gpuType: string, filter: {provider?: string; since?: number; limit?: number} = {}): Promise<StoredPricePoint[]> {
    const matches = gpuTypeMatcher(gpuType)
    // The recorded models, one index seek each (the table grows by every refresh's points).
    const recorded = await this.db.all<{key: string}>(
      `WITH RECURSIVE models(key) AS (
         SELECT min(gpu_type_key) FROM price_points
         UNION ALL SELECT (SELECT min(gpu_type_key) FROM price_points WHERE gpu_type_key > models.key) FROM models WHERE models.key IS NOT NULL
       ) SELECT key FROM models WHERE key IS NOT NULL`,
    )
    const keys = recorded.map((r) => r.key).filter((key) => matches.byName(key))
    const rows = await this.db.all<{
      provider: string
      gpu_type: string
      at: number
      min_micro: number
      median_micro: number
      offer_count: number
    }>(
      `SELECT * FROM (
         SELECT provider, gpu_type, at, min_micro, median_micro, offer_count FROM price_points
         WHERE ${this.db.inList('gpu_type_key', '@gpuKeys')}
           AND (CAST(@provider AS TEXT) IS NULL OR provider = @provider) AND at >= @since
         ORDER BY at DESC, provider, gpu_type LIMIT @limit
       ) AS recent ORDER BY at, provider, gpu_type`,
      {gpuKeys: this.db.list(keys), provider: filter.provider ?? null, since: filter.since ?? 0, limit: filter.limit ?? 500},
    )
    return rows.map((r) => ({
      provider: r.provider,
      gpuType: r.gpu_type,
      at: r.at,
      min: asMicroUsd(r.min_micro),
      median: asMicroUsd(r.median_micro),
      count: r.offer_count,
    }))
  }
}
