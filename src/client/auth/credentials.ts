import {expiresAtFrom} from './token-expiry.js'

/**
 * What a login leaves for one team server: the tokens, and where to renew them. The issuer and
 * client id are kept so a silent refresh needs no round trip to the server's /auth/config.
 */
export interface StoredCredentials {
  /** The normalized server URL these are for (the store's key). */
  server: string
  /** null for a `--with-token` login: nothing can be renewed or revoked. */
  issuer: string | null
  clientId: string | null
  /** The RFC 8707 resource every token request names, so tokens are for this server only. */
  audience: string | null
  accessToken: string
  refreshToken: string | null
  /** Epoch ms; null when unknown. */
  expiresAt: number | null
  /** Epoch ms of the login, for `auth status`. */
  obtainedAt: number
}

/** The token endpoint's reply, as far as the CLI keeps it. */
export interface TokenReply {
  access_token: string
  refresh_token?: string
  expires_in?: number
}

export interface IssuerRef {
  issuer: string
  clientId: string
  audience: string
}

export function credentialsFromTokens(server: string, ref: IssuerRef, tokens: TokenReply, now: number): StoredCredentials {
  return {
    server,
    issuer: ref.issuer,
    clientId: ref.clientId,
    audience: ref.audience,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? null,
    expiresAt: expiresAtFrom(tokens.expires_in, now),
    obtainedAt: now,
  }
}

/**
 * The credentials after a refresh. An IdP that rotates refresh tokens sends a new one (the old
 * one is spent); one that does not sends none, and the old one stays good.
 */
export function renewedCredentials(previous: StoredCredentials, tokens: TokenReply, now: number): StoredCredentials {
  return {
    ...previous,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? previous.refreshToken,
    expiresAt: expiresAtFrom(tokens.expires_in, now),
  }
}

/** Reads back what a store held; anything malformed reads as "not logged in". */
export function parseCredentials(text: string | null | undefined): StoredCredentials | null {
  if (!text) return null
  try {
    const value = JSON.parse(text) as Partial<StoredCredentials>
    if (typeof value.server !== 'string' || typeof value.accessToken !== 'string') return null
    return {
      server: value.server,
      issuer: value.issuer ?? null,
      clientId: value.clientId ?? null,
      audience: value.audience ?? null,
      accessToken: value.accessToken,
      refreshToken: value.refreshToken ?? null,
      expiresAt: typeof value.expiresAt === 'number' ? value.expiresAt : null,
      obtainedAt: typeof value.obtainedAt === 'number' ? value.obtainedAt : 0,
    }
  } catch {
    return null
  }
}
