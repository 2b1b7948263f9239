import type {Clock} from '../../core/clock.js'

import type {Sleep} from './sleep.js'

export interface RateLimit {
  perSecond: number
  burst: number
}

/**
 * Client-side limiter shared by every call of one adapter. Providers enforce minimum
 * intervals per endpoint (Vast.ai answers 429 when calls come faster), so we pace ourselves
 * rather than collect penalties. Callers reserve a slot in arrival order: the balance may go
 * negative and each caller sleeps until its own slot, so concurrent callers never stampede.
 */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private readonly rate: RateLimit,
    private readonly clock: Clock,
    private readonly sleep: Sleep,
  ) {
    if (!(rate.perSecond > 0) || !(rate.burst >= 1)) throw new RangeError(`invalid rate limit: ${JSON.stringify(rate)}`)
    this.tokens = rate.burst
    this.last = clock.now()
  }

  async take(signal?: AbortSignal): Promise<void> {
    this.refill()
    this.tokens -= 1
    if (this.tokens >= 0) return
    const waitMs = Math.ceil((-this.tokens / this.rate.perSecond) * 1000)
    try {
      await this.sleep(waitMs, signal)
    } catch (err) {
      // An aborted caller gives its slot back so the ones behind it do not wait for nothing.
      this.tokens += 1
      throw err
    }
  }

  /** Takes a token only if one is free now, reserving nothing ahead of callers that wait. */
  tryTake(): boolean {
    this.refill()
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }

  private refill(): void {
    const now = this.clock.now()
    const elapsed = Math.max(0, now - this.last)
    this.last = now
    this.tokens = Math.min(this.rate.burst, this.tokens + (elapsed * this.rate.perSecond) / 1000)
  }
}
