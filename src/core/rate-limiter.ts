import type {Clock} from './clock.js'
import {TokenBucket, type TokenRate} from './token-bucket.js'

export interface RateVerdict {
  allowed: boolean
  /** Whole tokens left for this key after this request. */
  remaining: number
  /** When refused: ms until the key has a token again; 0 when allowed. */
  retryAfterMs: number
}

export interface KeyedRateLimiterOptions {
  rate: TokenRate
  clock: Clock
  /**
   * Most keys tracked at once. Beyond it the least recently seen key is forgotten even if its
   * bucket is not full yet, which can only let that key through sooner, never refuse anyone.
   */
  maxKeys?: number
}

// One entry is a few hundred bytes: 100k keys stay under ~50 MB even if every one is busy.
const DEFAULT_MAX_KEYS = 100_000

/**
 * A token bucket per key (a team server's `tenant/user`). Memory is bounded: a bucket idle
 * long enough to have refilled is the same as a new one, so it is dropped; the map is kept in
 * least-recently-seen order, so the sweep looks only at the oldest entries and stops at the
 * first one still refilling. A flood of distinct keys then costs at most `maxKeys` entries.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, {bucket: TokenBucket; lastSeen: number}>()
  private readonly msToFill: number
  private readonly maxKeys: number

  constructor(private readonly options: KeyedRateLimiterOptions) {
    // Validates the rate once, before any request depends on it.
    this.msToFill = new TokenBucket(options.rate, options.clock).msToFill
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS
  }

  take(key: string): RateVerdict {
    const now = this.options.clock.now()
    this.evictIdle(now)
    let entry = this.buckets.get(key)
    if (entry) this.buckets.delete(key)
    else entry = {bucket: new TokenBucket(this.options.rate, this.options.clock), lastSeen: now}
    entry.lastSeen = now
    // Re-inserted last: Map iteration order is then least recently seen first.
    this.buckets.set(key, entry)
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
    const allowed = entry.bucket.tryTake()
    return {allowed, remaining: entry.bucket.available(), retryAfterMs: allowed ? 0 : entry.bucket.msUntilToken()}
  }

  /** Keys tracked now (for tests and metrics). */
  get size(): number {
    return this.buckets.size
  }

  private evictIdle(now: number): void {
    for (const [key, entry] of this.buckets) {
      if (now - entry.lastSeen < this.msToFill) break
      this.buckets.delete(key)
    }
  }
}
