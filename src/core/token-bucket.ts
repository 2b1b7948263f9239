import type {Clock} from './clock.js'

export interface TokenRate {
  /** Tokens added per second. */
  perSecond: number
  /** Most tokens held at once: how many calls may come back to back after a quiet spell. */
  burst: number
}

/**
 * The arithmetic of a token bucket over an injected clock, with no waiting of its own: the
 * provider clients pace themselves by reserving slots ahead and sleeping until theirs, the
 * server refuses a request when no token is free now. Starts full.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    readonly rate: TokenRate,
    private readonly clock: Clock,
  ) {
    if (!(rate.perSecond > 0) || !Number.isFinite(rate.perSecond) || !(rate.burst >= 1) || !Number.isFinite(rate.burst)) {
      throw new RangeError(`invalid rate limit: ${JSON.stringify(rate)}`)
    }
    this.tokens = rate.burst
    this.last = clock.now()
  }

  /** Takes a token only if one is free now, reserving nothing ahead of callers that wait. */
  tryTake(): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  /**
   * Takes a token now or reserves the next free slot, and returns the ms until that slot. The
   * balance may go negative, so callers that reserve at once are served in arrival order.
   */
  reserve(): number {
    this.refill()
    this.tokens -= 1
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate.perSecond) * 1000)
  }

  /** Undoes one reserve() whose caller gave up, so the ones behind it do not wait for nothing. */
  giveBack(): void {
    this.tokens = Math.min(this.rate.burst, this.tokens + 1)
  }

  /** Whole tokens free now. */
  available(): number {
    this.refill()
    return Math.max(0, Math.floor(this.tokens))
  }

  /** Ms until a whole token is free; 0 when one is now. */
  msUntilToken(): number {
    this.refill()
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate.perSecond) * 1000)
  }

  /** Ms of idleness after which a bucket only tryTake() touched is full again (it never goes below zero). */
  get msToFill(): number {
    return Math.ceil((this.rate.burst / this.rate.perSecond) * 1000)
  }

  private refill(): void {
    const now = this.clock.now()
    const elapsed = Math.max(0, now - this.last)
    this.last = now
    this.tokens = Math.min(this.rate.burst, this.tokens + (elapsed * this.rate.perSecond) / 1000)
  }
}
