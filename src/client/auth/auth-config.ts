import {httpFetch, type HttpFetch} from '../http-transport.js'
import {AuthError} from './errors.js'

/**
 * How a server wants its users to log in (`GET /api/v1/auth/config`, no auth). A team server
 * names its OIDC issuer, the CLI's client id and the audience tokens must be for; the solo
 * local daemon says `static` (its token is in the state file).
 */
export type AuthConfig =
  | {mode: 'oidc'; issuer: string; clientId: string; audience: string; scopes: string[]}
  | {mode: 'static'}

/** Scopes to ask for when the server names none: a refresh token needs offline_access. */
const DEFAULT_SCOPES = ['openid', 'offline_access']

// A team server answers /auth/config from memory; 15 s means it is not there.
const CONFIG_TIMEOUT_MS = 15_000

export async function fetchAuthConfig(server: string, fetchImpl: HttpFetch = httpFetch): Promise<AuthConfig> {
  const url = `${server}/api/v1/auth/config`
  let status: number
  let text: string
  try {
    const res = await fetchImpl(url, {headers: {accept: 'application/json'}, signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS)})
    status = res.status
    text = await res.text()
  } catch (err) {
    throw new AuthError('idp_unreachable', {
      server,
      message: `could not reach ${server} (${err instanceof Error ? err.message : String(err)}); you were not logged in`,
      fix: 'Check the URL given to --server (or GPU_SHOPPER_SERVER) and your network.',
    })
  }
  const body = parse(text)
  if (status === 404 || (status >= 200 && status < 300 && !body)) {
    throw new AuthError('idp_unreachable', {
      server,
      message: `${server} does not say how to log in (GET /api/v1/auth/config: HTTP ${status}); it may be an older gpu-shopper server or not one at all`,
      fix: 'Check --server; with an older server, set GPU_SHOPPER_TOKEN to an access token from your IdP instead.',
    })
  }
  if (status < 200 || status >= 300 || !body) {
    throw new AuthError('idp_unreachable', {
      server,
      message: `${server} refused to say how to log in (GET /api/v1/auth/config: HTTP ${status})`,
      fix: 'Retry in a minute; if it persists, ask the server\'s admin.',
    })
  }
  return toAuthConfig(server, body)
}

export function toAuthConfig(server: string, body: Record<string, unknown>): AuthConfig {
  if (body.mode !== 'oidc') return {mode: 'static'}
  const {issuer, client_id: clientId, audience, scopes} = body
  if (typeof issuer !== 'string' || typeof clientId !== 'string' || typeof audience !== 'string') {
    throw new AuthError('idp_unreachable', {
      server,
      message: `${server} names no complete OIDC setup in /api/v1/auth/config (issuer, client_id and audience are needed)`,
      fix: 'Ask the server\'s admin to start it with --oidc-issuer, --oidc-audience and --oidc-client-id.',
    })
  }
  const named = Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : []
  return {mode: 'oidc', issuer, clientId, audience, scopes: named.length ? named : DEFAULT_SCOPES}
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(text) as unknown
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null
  } catch {
    return null
  }
}
