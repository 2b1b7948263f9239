import {createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload} from 'jose'
import {z} from 'zod'

import {principalFromClaims, type ClaimMapping} from './claim-mapping.js'
import type {Principal} from './principal.js'

export interface AccessTokenSettings {
  /** The IdP's issuer URL, exactly as its tokens' `iss` says it. */
  issuer: string
  /** What this server is to the IdP: tokens must name it in `aud`. */
  audience: string
  claims: ClaimMapping
  /** Seconds of clock skew allowed on `exp`, `nbf` and `iat`. */
  clockToleranceSec: number
  /** For opaque (non-JWT) tokens: this server's client at the IdP, allowed to introspect. */
  introspection: {clientId: string; clientSecret: string} | null
}

export interface VerifierDeps {
  now: () => number
  fetch?: typeof fetch
  /** How soon an unknown key id may make the JWKS be fetched again (jose's cooldown). */
  jwksCooldownMs?: number
}

/** The token is not good for this server; the message says why, and never repeats the token. */
export class AccessTokenError extends Error {
  constructor(
    readonly reason: 'malformed' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'wrong-audience' | 'bad-signature' | 'unknown-key' | 'inactive' | 'unmapped',
    message: string,
  ) {
    super(message)
    this.name = 'AccessTokenError'
  }
}

/** The IdP could not be asked (discovery, JWKS or introspection failed): not the caller's fault. */
export class IdpUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'IdpUnavailableError'
  }
}

const NOT_YET_VALID = 'the bearer token is not valid yet (check the clocks)'

const Discovery = z.object({
  issuer: z.string(),
  jwks_uri: z.string().url(),
  introspection_endpoint: z.string().url().optional(),
})
type Discovery = z.infer<typeof Discovery>

const Introspection = z.looseObject({
  active: z.boolean(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  exp: z.number().optional(),
  nbf: z.number().optional(),
})

/**
 * Checks a bearer token the way a resource server must: a JWT against the issuer's published
 * keys (signature, `iss`, `aud`, `exp`/`nbf` with a little skew; a rotated key is fetched when a
 * token names a key id not seen yet), an opaque token through the issuer's introspection
 * endpoint. Then maps its claims to a principal.
 */
export class AccessTokenVerifier {
  private discovery: Promise<Discovery> | null = null
  private jwks: ReturnType<typeof createRemoteJWKSet> | null = null
  private readonly fetchFn: typeof fetch

  constructor(
    private readonly settings: AccessTokenSettings,
    private readonly deps: VerifierDeps,
  ) {
    this.fetchFn = deps.fetch ?? fetch
  }

  async verify(token: string): Promise<Principal> {
    const claims = token.split('.').length === 3 ? await this.verifyJwt(token) : await this.introspect(token)
    try {
      return principalFromClaims(claims, this.settings.claims, typeof claims.exp === 'number' ? claims.exp * 1000 : null)
    } catch (err) {
      throw new AccessTokenError('unmapped', err instanceof Error ? err.message : String(err))
    }
  }

  private async verifyJwt(token: string): Promise<JWTPayload> {
    try {
      decodeProtectedHeader(token)
    } catch {
      throw new AccessTokenError('malformed', 'the bearer token is not a well-formed JWT')
    }
    const jwks = await this.keySet()
    try {
      const {payload} = await jwtVerify(token, jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        clockTolerance: this.settings.clockToleranceSec,
        currentDate: new Date(this.deps.now()),
        requiredClaims: ['exp'],
      })
      return payload
    } catch (err) {
      throw describeJoseError(err, this.settings)
    }
  }

  private async introspect(token: string): Promise<Record<string, unknown>> {
    const {introspection} = this.settings
    if (!introspection) throw new AccessTokenError('malformed', 'the bearer token is not a JWT, and this server is not set up to introspect opaque tokens')
    const endpoint = (await this.discover()).introspection_endpoint
    if (!endpoint) throw new IdpUnavailableError(`the issuer ${this.settings.issuer} publishes no introspection endpoint`)
    let body: unknown
    try {
      const res = await this.fetchFn(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(introspection.clientId)}:${encodeURIComponent(introspection.clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({token}).toString(),
        signal: AbortSignal.timeout(10_000),
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      body = await res.json()
    } catch (err) {
      throw new IdpUnavailableError(`token introspection at ${endpoint} failed: ${err instanceof Error ? err.message : String(err)}`)
    }
    const parsed = Introspection.safeParse(body)
    if (!parsed.success) throw new IdpUnavailableError(`token introspection at ${endpoint} answered something that is not an introspection response`)
    const claims = parsed.data
    if (!claims.active) throw new AccessTokenError('inactive', 'the bearer token is not active at the issuer (expired, revoked or unknown)')
    if (claims.iss !== undefined && claims.iss !== this.settings.issuer) throw new AccessTokenError('wrong-issuer', `the bearer token was issued by ${claims.iss}, not ${this.settings.issuer}`)
    const audiences = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud]
    if (!audiences.includes(this.settings.audience)) throw new AccessTokenError('wrong-audience', `the bearer token is not for ${this.settings.audience}`)
    // The same skew, both ways, as jose allows a JWT: an IdP whose clock runs a little ahead
    // still works, one further off is told to check its clocks.
    const nowSec = this.deps.now() / 1000
    const skew = this.settings.clockToleranceSec
    if (claims.exp !== undefined && claims.exp + skew < nowSec) throw new AccessTokenError('expired', 'the bearer token has expired')
    if (claims.nbf !== undefined && claims.nbf - skew > nowSec) throw new AccessTokenError('not-yet-valid', NOT_YET_VALID)
    return claims
  }

  private async keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks) return this.jwks
    const {jwks_uri} = await this.discover()
    this.jwks = createRemoteJWKSet(new URL(jwks_uri), {cooldownDuration: this.deps.jwksCooldownMs ?? 30_000, timeoutDuration: 10_000})
    return this.jwks
  }

  /** The issuer's metadata, fetched once; a failure is not kept, so the next request asks again. */
  private discover(): Promise<Discovery> {
    this.discovery ??= this.fetchDiscovery().catch((err: unknown) => {
      this.discovery = null
      throw err
    })
    return this.discovery
  }

  private async fetchDiscovery(): Promise<Discovery> {
    const url = `${this.settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
    let body: unknown
    try {
      const res = await this.fetchFn(url, {headers: {accept: 'application/json'}, signal: AbortSignal.timeout(10_000)})
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      body = await res.json()
    } catch (err) {
      throw new IdpUnavailableError(`the issuer's discovery document ${url} could not be read: ${err instanceof Error ? err.message : String(err)}`)
    }
    const parsed = Discovery.safeParse(body)
    if (!parsed.success) throw new IdpUnavailableError(`${url} is not an OpenID Connect discovery document`)
    if (parsed.data.issuer !== this.settings.issuer) {
      throw new IdpUnavailableError(`${url} names the issuer ${parsed.data.issuer}, not ${this.settings.issuer}: start the server with the issuer exactly as the IdP spells it`)
    }
    return parsed.data
  }
}

function describeJoseError(err: unknown, settings: AccessTokenSettings): Error {
  if (err instanceof joseErrors.JWTExpired) return new AccessTokenError('expired', 'the bearer token has expired')
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new AccessTokenError('wrong-issuer', `the bearer token was not issued by ${settings.issuer}`)
    if (err.claim === 'aud') return new AccessTokenError('wrong-audience', `the bearer token is not for ${settings.audience}`)
    if (err.claim === 'nbf' || err.claim === 'iat') return new AccessTokenError('not-yet-valid', NOT_YET_VALID)
    return new AccessTokenError('malformed', `the bearer token's "${err.claim}" claim is not acceptable: ${err.reason}`)
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return new AccessTokenError('unknown-key', 'the bearer token is signed by a key the issuer does not publish')
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new AccessTokenError('bad-signature', 'the bearer token signature does not verify')
  if (err instanceof joseErrors.JWKSTimeout || (err instanceof joseErrors.JOSEError && err.code === 'ERR_JWKS_INVALID')) {
    return new IdpUnavailableError(`the issuer's keys could not be read: ${err.message}`)
  }
  if (err instanceof joseErrors.JOSEError) return new AccessTokenError('malformed', `the bearer token was refused: ${err.message}`)
  return new IdpUnavailableError(`the issuer's keys could not be read: ${err instanceof Error ? err.message : String(err)}`)
}
