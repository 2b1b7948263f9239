import type {ClientNotice} from '../../src/client/rate-limit-retry.js'

export interface ShownNotice {
  text: string
  /** Epoch ms after which the notice is out of date (the wait it announced is over). */
  until: number
}

// A notice stays a moment past its wait, so "retrying in 1 s" is readable before it goes.
const LINGER_MS = 2000

/**
 * What the API client says while the dashboard runs (a server's rate limit being waited out).
 * The dashboard owns the terminal, so the client's stderr line would tear its frame: the
 * client tells this board instead, and the status line shows the latest notice until it is out
 * of date.
 */
export class ClientNotices {
  private latest: ShownNotice | null = null
  private readonly listeners = new Set<() => void>()

  constructor(private readonly now: () => number) {}

  /** The client's notice sink. */
  publish = (notice: ClientNotice): void => {
    this.latest = {text: notice.text, until: this.now() + notice.waitMs + LINGER_MS}
    for (const listener of this.listeners) listener()
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  getSnapshot = (): ShownNotice | null => this.latest
}
