import type {SqlDatabase} from './sql/sql-database.js'

/** A browser terminal token as stored: only its SHA-256, never the token. */
export interface StoredTerminalToken {
  tokenHash: string
  sessionId: string
  /** Who minted it, as JSON: the shell opens as that user. */
  principal: string
  expiresAt: number
}

/**
 * Single-use terminal tokens, in the database so a token minted through one server process
 * opens a terminal on another. Expired rows are dropped as new ones are minted.
 */
export class TerminalTokensRepo {
  constructor(private readonly db: SqlDatabase) {}

  /** Stores a token, keeping at most `maxOutstanding` live ones (the oldest give way). */
  async insert(token: StoredTerminalToken, now: number, maxOutstanding: number): Promise<void> {
    await this.db.transaction(async () => {
      await this.db.run('DELETE FROM terminal_tokens WHERE expires_at <= ?', [now])
      const {n} = (await this.db.get<{n: number}>('SELECT count(*) AS n FROM terminal_tokens'))!
      if (n >= maxOutstanding) {
        await this.db.run(
          'DELETE FROM terminal_tokens WHERE token_hash IN (SELECT token_hash FROM terminal_tokens ORDER BY expires_at, token_hash LIMIT ?)',
          [n - maxOutstanding + 1],
        )
      }
      await this.db.run('INSERT INTO terminal_tokens (token_hash, session_id, principal, expires_at) VALUES (?, ?, ?, ?)', [
        token.tokenHash,
        token.sessionId,
        token.principal,
        token.expiresAt,
      ])
    })
  }

  /** Takes the token out, whether or not it has expired: it can be presented once. */
  async take(tokenHash: string): Promise<StoredTerminalToken | null> {
    const row = await this.db.get<{token_hash: string; session_id: string; principal: string; expires_at: number}>(
      'DELETE FROM terminal_tokens WHERE token_hash = ? RETURNING token_hash, session_id, principal, expires_at',
      [tokenHash],
    )
    return row ? {tokenHash: row.token_hash, sessionId: row.session_id, principal: row.principal, expiresAt: row.expires_at} : null
  }

  /** Tokens neither used nor expired. */
  async countLive(now: number): Promise<number> {
    return (await this.db.get<{n: number}>('SELECT count(*) AS n FROM terminal_tokens WHERE expires_at > ?', [now]))!.n
  }
}
