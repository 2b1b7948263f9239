import {CircuitBreaker} from '../core/circuit-breaker.js'
import {pricePoints} from '../core/price-stats.js'
import type {ProviderName} from '../core/provider-name.js'
import {scrubSecrets} from '../log/logger.js'
import {RateLimitedError} from '../providers/errors.js'
import type {ServiceContext} from './context.js'
import {ingestMarket} from './market-ingest.js'

export interface RefreshPolicy {
  /** Normal time between full-market refreshes. */
  intervalMs: number
  /** First back-off after a failure; doubles per consecutive failure up to `maxBackoffMs`. */
  backoffMs: number
  maxBackoffMs: number
  /** Consecutive failures that open the circuit breaker. */
  breakerThreshold: number
  /** Offers older than this are stale even without a failure (a stuck worker must show). */
  staleAfterMs: number
  /** Upper bound of one full-market fetch. */
  maxOffers: number
}

export const DEFAULT_REFRESH_POLICIES: Record<ProviderName, RefreshPolicy> = {
  // Vast.ai's search is about 10 calls/min per key; once a minute leaves room for everything else.
  vastai: {intervalMs: 60_000, backoffMs: 5_000, maxBackoffMs: 10 * 60_000, breakerThreshold: 3, staleAfterMs: 5 * 60_000, maxOffers: 20_000},
  // TensorDock's /locations takes 4-5 s live and the account has 100 requests/min in all.
  tensordock: {intervalMs: 120_000, backoffMs: 10_000, maxBackoffMs: 10 * 60_000, breakerThreshold: 3, staleAfterMs: 10 * 60_000, maxOffers: 20_000},
  // Our own nodes' capacity is read from the store (nodes, their last check, the slots held):
  // no provider to spare, so it follows creates and releases within seconds.
  selfhosted: {intervalMs: 5_000, backoffMs: 5_000, maxBackoffMs: 60_000, breakerThreshold: 3, staleAfterMs: 60_000, maxOffers: 20_000},
}

/** A refresh still running after this long marks the provider stale (TensorDock answers in 4-5 s live). */
const SLOW_REFRESH_MS = 15_000
/**
 * A bigger fetch takes longer to download, parse and store: the first refresh of 100k
 * Vast.ai offers took 6.5-8 s on 2 cores (simulated market in the same process), up to 80 µs
 * an offer. 200 µs per offer of the limit keeps a raised GPU_SHOPPER_VASTAI_SEARCH_LIMIT from
 * being reported stale while it works; up to 75k offers the fixed 15 s is the larger.
 */
const SLOW_REFRESH_MS_PER_OFFER = 0.2

export function slowRefreshMs(policy: Pick<RefreshPolicy, 'maxOffers'>): number {
  return Math.max(SLOW_REFRESH_MS, policy.maxOffers * SLOW_REFRESH_MS_PER_OFFER)
}

export interface ProviderFreshness {
  lastAttemptAt: number | null
  lastSuccessAt: number | null
  lastError: string | null
  consecutiveFailures: number
  nextRefreshAt: number
  breaker: 'closed' | 'open' | 'half-open'
  offers: number
}

/**
 * How often a process that does not refresh a provider reads how the refreshing one is doing,
 * and asks to take the refresh over (it gets it once that process is gone).
 */
const FOLLOWER_POLL_MS = 2_000
/** How often a follower waiting for the first load of a market looks for it. */
const FIRST_LOAD_POLL_MS = 200

/**
 * Keeps one provider's offers fresh in the store: a full-market fetch every interval,
 * adaptive back-off (honouring Retry-After) and a circuit breaker when it fails, and the last
 * good offers left in place meanwhile so queries can still answer, flagged stale. Of several
 * server processes on one database one refreshes each provider (`store.leaders`) and records
 * how it went; the others read that, so all report the same freshness.
 */
export class RefreshWorker {
  private timer: NodeJS.Timeout | null = null
  private inFlight: Promise<void> | null = null
  private inFlightSince: number | null = null
  private readonly breaker: CircuitBreaker
  private stopped = true
  private status: ProviderFreshness
  /** Cancels the refresh under way when the daemon stops: a market download can take a while. */
  private abort: AbortController | null = null
  /**
   * The status came from the store (a previous run) and nothing newer has been learned in this
   * process: its offers are served at once, but as stale until a refresh (or the process that
   * refreshes) says otherwise.
   */
  private restored = false

  constructor(
    private readonly ctx: ServiceContext,
    readonly provider: ProviderName,
    private readonly policy: RefreshPolicy,
  ) {
    this.breaker = new CircuitBreaker({failureThreshold: policy.breakerThreshold, openMs: policy.backoffMs * 4, maxOpenMs: policy.maxBackoffMs})
    this.status = {lastAttemptAt: null, lastSuccessAt: null, lastError: null, consecutiveFailures: 0, nextRefreshAt: ctx.clock.now(), breaker: 'closed', offers: 0}
  }

  /**
   * Serves what the store already holds (recorded by an earlier run), flagged stale, and
   * refreshes at once: a restart answers with the stored market instead of waiting for the network.
   */
  async start(): Promise<void> {
    this.stopped = false
    const recorded = await this.ctx.store.providerRefresh.get(this.provider).catch(() => null)
    if (recorded?.lastSuccessAt != null && this.status.lastSuccessAt === null) {
      this.status = {...this.status, lastSuccessAt: recorded.lastSuccessAt, lastAttemptAt: recorded.lastAttemptAt, offers: recorded.offers}
      this.restored = true
    }
    this.schedule(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    this.abort?.abort(new Error('the daemon is stopping'))
    await this.inFlight?.catch(() => {})
  }

  freshness(): ProviderFreshness {
    return {...this.status, breaker: this.breaker.state(this.ctx.clock.now())}
  }

  /** Failing now, or serving data older than the policy allows. */
  isStale(): boolean {
    const now = this.ctx.clock.now()
    if (this.restored || this.status.consecutiveFailures > 0) return true
    // A refresh hanging on a provider that stopped answering says as much as a failure.
    if (this.inFlightSince !== null && now - this.inFlightSince > slowRefreshMs(this.policy)) return true
    return this.status.lastSuccessAt !== null && now - this.status.lastSuccessAt > this.policy.staleAfterMs
  }

  hasData(): boolean {
    return this.status.lastSuccessAt !== null
  }

  /** Resolves when the refresh under way (if any) is over. */
  settled(): Promise<void> {
    return this.inFlight ?? Promise.resolve()
  }

  /** One refresh now, unless one is running or the breaker is open. Tests drive time with this. */
  refreshNow(): Promise<void> {
    if (this.inFlight) return this.inFlight
    const now = this.ctx.clock.now()
    if (!this.breaker.canCall(now)) {
      if (!this.stopped) this.schedule((this.breaker.retryAt() ?? now) - now)
      return Promise.resolve()
    }
    this.inFlightSince = now
    this.inFlight = this.refresh(now).finally(() => {
      this.inFlight = null
      this.inFlightSince = null
    })
    return this.inFlight
  }

  private async refresh(started: number): Promise<void> {
    let leading: boolean
    try {
      leading = await this.ctx.store.leaders.hold(`refresh:${this.provider}`)
    } catch {
      leading = false
    }
    if (!leading) return this.follow()
    this.status.lastAttemptAt = started
    this.abort = new AbortController()
    try {
      const offers = await this.fetchAndStore(started, this.abort.signal)
      this.breaker.recordSuccess()
      this.restored = false
      this.status = {
        ...this.status,
        lastSuccessAt: started,
        lastError: null,
        consecutiveFailures: 0,
        offers,
        nextRefreshAt: started + this.policy.intervalMs,
      }
    } catch (err) {
      const now = this.ctx.clock.now()
      this.breaker.recordFailure(now)
      const failures = this.status.consecutiveFailures + 1
      const backoff = Math.min(this.policy.backoffMs * 2 ** (failures - 1), this.policy.maxBackoffMs)
      const retryAfter = err instanceof RateLimitedError && err.retryAfterMs !== null ? err.retryAfterMs : 0
      const next = Math.max(now + Math.max(backoff, retryAfter), this.breaker.retryAt() ?? 0)
      const message = scrubSecrets(err instanceof Error ? err.message : String(err))
      this.status = {...this.status, lastError: message, consecutiveFailures: failures, nextRefreshAt: next}
      this.ctx.log.warn({provider: this.provider, failures, next_refresh_in_ms: next - now, err: message}, 'offer refresh failed; serving last good offers')
    } finally {
      this.abort = null
      await this.ctx.store.providerRefresh.save(this.provider, this.status, this.ctx.clock.now()).catch((err: unknown) => {
        this.ctx.log.warn({provider: this.provider, err: scrubSecrets(String(err))}, 'recording the refresh failed')
      })
      if (!this.stopped) this.schedule(this.status.nextRefreshAt - this.ctx.clock.now())
    }
  }

  /**
   * The provider's whole market into the store; how many offers it has. A large market (one the
   * adapter streams) is decoded and stored off the main thread; a small one in one transaction.
   */
  private async fetchAndStore(started: number, signal: AbortSignal): Promise<number> {
    const adapter = this.ctx.providers.get(this.provider)
    if (adapter.streamMarket) {
      const stream = await adapter.streamMarket(this.policy.maxOffers, {signal})
      const result = await ingestMarket(this.ctx.store, this.provider, stream, started, signal)
      if (result.skipped > 0) this.ctx.log.warn({provider: this.provider, skipped: result.skipped, problems: result.problems}, 'skipped unreadable offers')
      return result.offers
    }
    const offers = await adapter.searchOffers({limit: this.policy.maxOffers}, {signal})
    await this.ctx.store.transaction(async () => {
      await this.ctx.store.offers.upsertMany(offers)
      await this.ctx.store.offers.markMissingUnavailable(this.provider, started)
      await this.ctx.store.priceHistory.record(this.provider, started, pricePoints(offers))
    })
    return offers.length
  }

  /**
   * Another process refreshes this provider: take its record. A caller waiting for the first
   * load (nothing recorded yet) waits for that process's first outcome, as long as a refresh
   * may take.
   */
  private async follow(): Promise<void> {
    try {
      // A real-time wait (not the injected clock's): it only bounds how long a caller waits.
      const deadline = performance.now() + slowRefreshMs(this.policy)
      let shared = await this.ctx.store.providerRefresh.get(this.provider)
      while (!this.stopped && shared?.lastSuccessAt == null && !shared?.consecutiveFailures && performance.now() < deadline && !this.hasData()) {
        await new Promise((resolve) => setTimeout(resolve, FIRST_LOAD_POLL_MS))
        shared = await this.ctx.store.providerRefresh.get(this.provider)
      }
      if (shared) {
        this.status = {...shared, nextRefreshAt: shared.nextRefreshAt ?? this.ctx.clock.now(), breaker: this.status.breaker}
        this.restored = false
      }
    } catch (err) {
      this.ctx.log.warn({provider: this.provider, err: scrubSecrets(String(err))}, 'reading the shared refresh state failed')
    } finally {
      if (!this.stopped) this.schedule(FOLLOWER_POLL_MS)
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      void this.refreshNow()
    }, Math.max(0, delayMs))
    this.timer.unref?.()
  }
}
