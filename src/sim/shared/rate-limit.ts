import type {Clock} from '../../core/clock.js'

/**
 * Vast-style rate limiting: per endpoint and per caller identity, a minimum interval between
 * calls (not a token bucket). A call inside the interval is refused and does not move the
 * window, so a client that backs off gets through.
 */
export class MinIntervalLimiter {
  private last = new Map<string, number>()

  constructor(
    private readonly clock: Clock,
    /** Seconds between calls per endpoint name; endpoints not named are never limited. */
    public intervals: Record<string, number>,
  ) {}

  /** Returns the endpoint's threshold in seconds when this call is too soon, else null. */
  check(endpoint: string, identity: string): number | null {
    const interval = this.intervals[endpoint]
    if (interval === undefined || interval <= 0) return null
    const key = `${endpoint}\u0000${identity}`
    const now = this.clock.now()
    const previous = this.last.get(key)
    if (previous !== undefined && now - previous < interval * 1000) return interval
    this.last.set(key, now)
    return null
  }

  reset(): void {
    this.last.clear()
  }
}
