import type {Configuration} from 'openid-client'

import {isLoopbackHost} from '../../core/loopback.js'
import {AuthError} from './errors.js'

export type OpenIdClient = typeof import('openid-client')

export interface IssuerClient {
  oidc: OpenIdClient
  config: Configuration
}

/**
 * The IdP as openid-client sees it, from the issuer's discovery document. openid-client (and
 * its jose) load only here: a command that finds a fresh token never pays for them.
 * Plain http is accepted for a loopback issuer only (a test IdP, or one on this machine).
 */
export async function discoverIssuer(ref: {issuer: string; clientId: string}, server: string): Promise<IssuerClient> {
  const oidc = await import('openid-client')
  const url = new URL(ref.issuer)
  const insecure = url.protocol === 'http:'
  if (insecure && !isLoopbackHost(url.hostname)) {
    throw new AuthError('idp_unreachable', {
      server,
      message: `the issuer ${ref.issuer} uses plain http; tokens would cross the network in clear text`,
      fix: 'Ask the server\'s admin to give --oidc-issuer an https URL.',
    })
  }
  try {
    const config = await oidc.discovery(url, ref.clientId, {token_endpoint_auth_method: 'none'}, oidc.None(), insecure ? {execute: [oidc.allowInsecureRequests]} : undefined)
    return {oidc, config}
  } catch (err) {
    throw new AuthError('idp_unreachable', {
      server,
      message: `the identity provider ${ref.issuer} did not answer its discovery document (${describeOidcError(err)})`,
      fix: 'Retry in a minute; if it persists, ask the server\'s admin whether the IdP is up.',
    })
  }
}

/** An openid-client error as one line: the IdP's `error` and `error_description` when it sent them. */
export function describeOidcError(err: unknown): string {
  if (!(err instanceof Error)) return String(err)
  const e = err as Error & {error?: string; error_description?: string; cause?: unknown}
  if (e.error) return e.error_description ? `${e.error}: ${e.error_description}` : e.error
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : ''
  return `${e.message}${cause}`
}

/** The OAuth error code of a failed token request (`invalid_grant`, ...), if the IdP sent one. */
export function oauthErrorCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as Error & {error?: unknown}).error : undefined
  return typeof code === 'string' ? code : undefined
}
