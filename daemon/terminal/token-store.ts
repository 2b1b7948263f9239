import {createHash, randomBytes} from 'node:crypto'

import type {Principal} from '../../src/auth/principal.js'
import type {Clock} from '../../src/core/clock.js'

/** Long enough to open a browser tab, short enough that a token in a scrollback is worthless. */
export const DEFAULT_TERMINAL_TOKEN_TTL_MS = 60_000

/** Outstanding tokens are bounded so a caller minting in a loop cannot grow the daemon's memory. */
const MAX_OUTSTANDING = 1_000

export interface TerminalTokenStoreOptions {
  clock: Clock
  ttlMs?: number
}

export interface MintedTerminalToken {
  token: string
  /** Whole seconds, as the API reports it. */
  expiresIn: number
}

interface Entry {
  sessionId: string
  /** Who minted it: the shell opens as that user, whoever's browser presents the token. */
  principal: Principal
  expiresAt: number
}

/**
 * Single-use, short-lived browser terminal tokens, held in memory only and keyed by their
 * SHA-256: a heap dump or a debug log of this map never yields a usable token, and a daemon
 * restart invalidates every one of them (nothing to clean up in the database).
 */
export class TerminalTokenStore {
  private readonly entries = new Map<string, Entry>()
  private readonly clock: Clock
  readonly ttlMs: number

  constructor(options: TerminalTokenStoreOptions) {
    this.clock = options.clock
    this.ttlMs = options.ttlMs ?? DEFAULT_TERMINAL_TOKEN_TTL_MS
  }

  mint(sessionId: string, principal: Principal): MintedTerminalToken {
    this.prune()
    if (this.entries.size >= MAX_OUTSTANDING) {
      // Evict the oldest rather than refuse: the newest token is the one a user is about to open.
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    // 256 bits, base64url so it travels in a query string without escaping.
    const token = randomBytes(32).toString('base64url')
    this.entries.set(hashToken(token), {sessionId, principal, expiresAt: this.clock.now() + this.ttlMs})
    return {token, expiresIn: Math.max(1, Math.round(this.ttlMs / 1000))}
  }

  /** The session a token was minted for and by whom, once: the entry is gone whether or not it had expired. */
  consume(token: string): {sessionId: string; principal: Principal} | null {
    if (!token) return null
    const key = hashToken(token)
    const entry = this.entries.get(key)
    if (!entry) return null
    this.entries.delete(key)
    if (this.clock.now() >= entry.expiresAt) return null
    return {sessionId: entry.sessionId, principal: entry.principal}
  }

  /** Tokens minted and neither used nor expired; for tests and metrics. */
  get outstanding(): number {
    this.prune()
    return this.entries.size
  }

  private prune(): void {
    const now = this.clock.now()
    for (const [key, entry] of this.entries) if (now >= entry.expiresAt) this.entries.delete(key)
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}
