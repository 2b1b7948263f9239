import type {SqlDatabase} from './sql/sql-database.js'

/** One request's draw on a bucket: whether it may go ahead, and the tokens left after it. */
export interface BucketDraw {
  allowed: boolean
  tokens: number
}

/**
 * Token buckets in the database, so a user's rate holds across every server process. One
 * statement per request: the bucket refills for the time since it was last drawn on (up to
 * `burst`), then gives a token if a whole one is there. A key seen for the first time starts full.
 */
export class RateLimitRepo {
  constructor(private readonly db: SqlDatabase) {}

  async draw(key: string, now: number, perSecond: number, burst: number): Promise<BucketDraw> {
    const least = this.db.dialect === 'postgres' ? 'LEAST' : 'min'
    // Typed where PostgreSQL cannot infer them: a rate is fractional, a burst may be.
    const burstValue = 'CAST(@burst AS DOUBLE PRECISION)'
    const refilled = `${least}(${burstValue}, b.tokens + (@now - b.refilled_at) * CAST(@perMs AS DOUBLE PRECISION))`
    const row = await this.db.get<{tokens: number; allowed: number}>(
      `INSERT INTO rate_limit_buckets AS b (key, tokens, refilled_at, allowed) VALUES (@key, ${burstValue} - 1, @now, 1)
       ON CONFLICT (key) DO UPDATE SET
         tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
         allowed = CASE WHEN ${refilled} >= 1 THEN 1 ELSE 0 END,
         refilled_at = @now
       RETURNING tokens, allowed`,
      {key, now, burst, perMs: perSecond / 1000},
    )
    return {allowed: row!.allowed === 1, tokens: row!.tokens}
  }

  /** Forgets buckets not drawn on since `before` (they would be full again anyway). */
  async deleteIdle(before: number): Promise<number> {
    return (await this.db.run('DELETE FROM rate_limit_buckets WHERE refilled_at < ?', [before])).changes
  }
}
