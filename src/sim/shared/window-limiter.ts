import type {Clock} from '../../core/clock.js'

/**
 * "N requests per minute" limiting (TensorDock: 100/min per organisation), as a sliding window
 * over the injected clock. Refused calls are not counted, so a client that backs off gets in.
 */
export class SlidingWindowLimiter {
  private calls = new Map<string, number[]>()

  constructor(
    private readonly clock: Clock,
    private readonly windowMs = 60_000,
  ) {}

  /** Null when the call may proceed (and is counted); else the seconds until a slot frees up. */
  check(identity: string, limit: number): number | null {
    const now = this.clock.now()
    const recent = (this.calls.get(identity) ?? []).filter((t) => now - t < this.windowMs)
    if (recent.length >= limit) {
      this.calls.set(identity, recent)
      const oldest = recent[0] ?? now
      return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000))
    }
    recent.push(now)
    this.calls.set(identity, recent)
    return null
  }

  reset(): void {
    this.calls.clear()
  }
}
