import type {Clock} from '../../core/clock.js'
import {TokenBucket as Bucket, type TokenRate} from '../../core/token-bucket.js'

import type {Sleep} from './sleep.js'

export type RateLimit = TokenRate

/**
 * Client-side limiter shared by every call of one adapter. Providers enforce minimum
 * intervals per endpoint (Vast.ai answers 429 when calls come faster), so we pace ourselves
 * rather than collect penalties. Callers reserve a slot in arrival order: the balance may go
 * negative and each caller sleeps until its own slot, so concurrent callers never stampede.
 */
export class TokenBucket {
  private readonly bucket: Bucket

  constructor(
    rate: RateLimit,
    clock: Clock,
    private readonly sleep: Sleep,
  ) {
    this.bucket = new Bucket(rate, clock)
  }

  async take(signal?: AbortSignal): Promise<void> {
    const waitMs = this.bucket.reserve()
    if (waitMs === 0) return
    try {
      await this.sleep(waitMs, signal)
    } catch (err) {
      // An aborted caller gives its slot back so the ones behind it do not wait for nothing.
      this.bucket.giveBack()
      throw err
    }
  }

  /** Takes a token only if one is free now, reserving nothing ahead of callers that wait. */
  tryTake(): boolean {
    return this.bucket.tryTake()
  }
}
