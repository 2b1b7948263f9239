/**
 * Stops calling a failing provider for a while. Closed: calls go through. After
 * `failureThreshold` consecutive failures it opens for `openMs` (doubling while failures
 * continue, up to `maxOpenMs`); then one trial call is let through (half-open).
 */
export class CircuitBreaker {
  private failures = 0
  private openUntil = 0
  private openFor: number

  constructor(private readonly options: {failureThreshold: number; openMs: number; maxOpenMs: number}) {
    this.openFor = options.openMs
  }

  state(now: number): 'closed' | 'open' | 'half-open' {
    if (this.failures < this.options.failureThreshold) return 'closed'
    return now < this.openUntil ? 'open' : 'half-open'
  }

  canCall(now: number): boolean {
    return this.state(now) !== 'open'
  }

  recordSuccess(): void {
    this.failures = 0
    this.openUntil = 0
    this.openFor = this.options.openMs
  }

  recordFailure(now: number): void {
    this.failures++
    if (this.failures >= this.options.failureThreshold) {
      this.openUntil = now + this.openFor
      this.openFor = Math.min(this.openFor * 2, this.options.maxOpenMs)
    }
  }

  /** When the next call may go out, or null when closed. */
  retryAt(): number | null {
    return this.failures >= this.options.failureThreshold ? this.openUntil : null
  }
}
