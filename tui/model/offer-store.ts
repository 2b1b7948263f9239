import type {ApiClient} from '../../src/client/api-client.js'
import {errorText} from './error-text.js'
import {OfferIndex} from './offer-index.js'
import {OfferTableBuilder} from './offer-table.js'

export interface OfferSnapshot {
  index: OfferIndex
  /** Offers the server has; `index.size` reaches it when a load completes. */
  total: number
  loading: boolean
  /** Offers fetched so far by the load in progress. */
  loadedSoFar: number
  error: string | null
  staleProviders: readonly string[]
  simulated: boolean
  /** Epoch ms when the index on screen was fetched. */
  loadedAt: number | null
}

export interface OfferStoreOptions {
  now: () => number
  /** Offers per request: the API's maximum, fewest round trips. */
  pageSize?: number
  /** Requests in flight at once while paging: two by default, one page decoded here while the server answers the next; more only hold more pages in memory at once. */
  concurrency?: number
}

/**
 * The whole market, held outside React so it survives the dashboard handing the terminal to ssh
 * and coming back. A load pages through `GET /api/v1/inventory` (cheapest first, so the first
 * page is worth showing at once) and swaps in a new index only when complete: the screen never
 * shows a half-sorted market.
 */
export class OfferStore {
  private snapshot: OfferSnapshot = {
    index: new OfferIndex([]),
    total: 0,
    loading: false,
    loadedSoFar: 0,
    error: null,
    staleProviders: [],
    simulated: false,
    loadedAt: null,
  }
  private readonly listeners = new Set<() => void>()
  private inFlight: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly abort = new AbortController()

  constructor(
    private readonly client: ApiClient,
    private readonly options: OfferStoreOptions,
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): OfferSnapshot => this.snapshot

  /** Loads the market now; a load already running is joined, not repeated. */
  load(): Promise<void> {
    this.inFlight ??= this.fetchAll().finally(() => (this.inFlight = undefined))
    return this.inFlight
  }

  /** Reloads every `intervalMs` (the daemon refreshes Vast.ai every minute). */
  autoRefresh(intervalMs: number): void {
    clearInterval(this.timer)
    this.timer = setInterval(() => void this.load(), intervalMs)
    this.timer.unref()
  }

  close(): void {
    clearInterval(this.timer)
    this.abort.abort()
  }

  private update(patch: Partial<OfferSnapshot>): void {
    this.snapshot = {...this.snapshot, ...patch}
    for (const listener of this.listeners) listener()
  }

  private async fetchAll(): Promise<void> {
    const pageSize = this.options.pageSize ?? 1000
    const concurrency = this.options.concurrency ?? 2
    const firstLoad = this.snapshot.loadedAt === null
    this.update({loading: true, loadedSoFar: 0, error: null})
    try {
      const startedAt = this.options.now()
      const first = await this.client.inventory.list({sort: 'price', limit: pageSize, offset: 0}, {signal: this.abort.signal})
      // Each page is folded into the compact table as it arrives and then dropped: the market is
      // never held as 100k JSON objects at once.
      const market = new OfferTableBuilder(first.total)
      market.add(first.offers)
      const stale = new Set(first.stale_providers)
      // The first page (the cheapest offers) is worth showing while the rest loads, the first time.
      const preview = firstLoad ? {index: new OfferIndex(first.offers), simulated: first.simulated, staleProviders: first.stale_providers, loadedAt: startedAt} : {}
      this.update({...preview, loadedSoFar: market.size, total: first.total})
      const offsets: number[] = []
      for (let offset = pageSize; offset < first.total; offset += pageSize) offsets.push(offset)
      const worker = async () => {
        for (let offset = offsets.shift(); offset !== undefined; offset = offsets.shift()) {
          const page = await this.client.inventory.list({sort: 'price', limit: pageSize, offset}, {signal: this.abort.signal})
          // A refresh between pages can shift rows across page edges: the table keeps each id once.
          market.add(page.offers)
          for (const name of page.stale_providers) stale.add(name)
          this.update({loadedSoFar: market.size})
        }
      }
      await Promise.all(Array.from({length: Math.min(concurrency, offsets.length)}, worker))
      const index = new OfferIndex(market.build())
      this.update({
        index,
        total: index.size,
        loading: false,
        loadedSoFar: index.size,
        staleProviders: [...stale].sort(),
        simulated: first.simulated,
        loadedAt: startedAt,
      })
    } catch (err) {
      if (this.abort.signal.aborted) return
      this.update({loading: false, error: errorText(err)})
    }
  }
}
