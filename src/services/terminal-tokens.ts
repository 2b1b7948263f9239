import {createHash, randomBytes} from 'node:crypto'

import type {Principal} from '../auth/principal.js'
import type {ServiceContext} from './context.js'

/** Long enough to open a browser tab, short enough that a token in a scrollback is worthless. */
export const DEFAULT_TERMINAL_TOKEN_TTL_MS = 60_000

/** Outstanding tokens are bounded so a caller minting in a loop cannot grow the table. */
export const MAX_OUTSTANDING_TERMINAL_TOKENS = 1_000

export interface MintedTerminalToken {
  token: string
  /** Whole seconds, as the API reports it. */
  expiresIn: number
}

/**
 * Single-use, short-lived browser terminal tokens, kept in the database by their SHA-256
 * only: a dump of the table or a debug log never yields a usable token, and a token minted
 * through one server process opens the terminal on whichever process the browser reaches.
 */
export class TerminalTokens {
  constructor(
    private readonly ctx: Pick<ServiceContext, 'store' | 'clock'>,
    readonly ttlMs = DEFAULT_TERMINAL_TOKEN_TTL_MS,
  ) {}

  async mint(sessionId: string, principal: Principal): Promise<MintedTerminalToken> {
    // 256 bits, base64url so it travels in a query string without escaping.
    const token = randomBytes(32).toString('base64url')
    const now = this.ctx.clock.now()
    await this.ctx.store.terminalTokens.insert(
      {tokenHash: hashToken(token), sessionId, principal: JSON.stringify(principal), expiresAt: now + this.ttlMs},
      now,
      MAX_OUTSTANDING_TERMINAL_TOKENS,
    )
    return {token, expiresIn: Math.max(1, Math.round(this.ttlMs / 1000))}
  }

  /** The session a token was minted for and by whom, once: the entry is gone whether or not it had expired. */
  async consume(token: string): Promise<{sessionId: string; principal: Principal} | null> {
    if (!token) return null
    const entry = await this.ctx.store.terminalTokens.take(hashToken(token))
    if (!entry || this.ctx.clock.now() >= entry.expiresAt) return null
    return {sessionId: entry.sessionId, principal: JSON.parse(entry.principal) as Principal}
  }

  /** Tokens minted and neither used nor expired; for tests and metrics. */
  outstanding(): Promise<number> {
    return this.ctx.store.terminalTokens.countLive(this.ctx.clock.now())
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}
