import type {IssuerClient} from './issuer-client.js'
import {describeOidcError} from './issuer-client.js'
import type {TokenReply} from './credentials.js'
import {AuthError} from './errors.js'
import {listenForRedirect} from './loopback-redirect.js'

export interface AuthorizationRequest {
  server: string
  scopes: string[]
  /** Sent as RFC 8707 `resource`: the access token is then for this server's audience only. */
  audience: string
  tenantHint?: string
}

export interface BrowserLoginUi {
  /** Shows the authorization URL; always called, even when a browser opens. */
  showUrl(url: string): void
  /** Opens the URL in a browser; false (or a throw) when none could be opened. */
  openBrowser?(url: string): Promise<boolean>
  signal: AbortSignal
}

/** How long the CLI waits for the browser to come back: a person typing a password and a second factor. */
export const BROWSER_LOGIN_TIMEOUT_MS = 5 * 60_000

/** Extra authorization parameters both flows send. `tenant_hint` is a hint in the manner of `login_hint`. */
export function hintParameters(request: AuthorizationRequest): Record<string, string> {
  return request.tenantHint ? {tenant_hint: request.tenantHint} : {}
}

/**
 * OpenID Connect Core §11: a request for offline_access (the refresh token that makes the login
 * last) MUST carry prompt=consent, and IdPs that follow it (oidc-provider among them) drop the
 * scope without it: the login would then end with the first access token.
 */
export function offlinePrompt(scopes: string[]): Record<string, string> {
  return scopes.includes('offline_access') ? {prompt: 'consent'} : {}
}

/**
 * OAuth authorization code + PKCE (S256) with a loopback redirect (RFC 8252): the browser logs
 * in at the IdP and comes back to a listener on 127.0.0.1; the code is exchanged for tokens
 * with the verifier only this process knows, so a code intercepted on the way is worthless.
 */
export async function loginWithBrowser(client: IssuerClient, request: AuthorizationRequest, ui: BrowserLoginUi): Promise<TokenReply> {
  const {oidc, config} = client
  const redirect = await listenForRedirect()
  try {
    const verifier = oidc.randomPKCECodeVerifier()
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirect.redirectUri,
      scope: request.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      resource: request.audience,
      ...offlinePrompt(request.scopes),
      ...hintParameters(request),
    }).href
    ui.showUrl(url)
    if (ui.openBrowser) await ui.openBrowser(url).catch(() => false)
    const signal = AbortSignal.any([ui.signal, AbortSignal.timeout(BROWSER_LOGIN_TIMEOUT_MS)])
    const {url: callbackUrl, reply} = await redirect.callback(signal).catch((err: unknown) => {
      if (ui.signal.aborted) throw err
      throw new AuthError('login_failed', {
        server: request.server,
        message: `the browser did not come back within ${BROWSER_LOGIN_TIMEOUT_MS / 60_000} minutes; you were not logged in`,
        fix: 'Run the login again and finish it in the browser, or use --device on a machine without one.',
      })
    })
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {pkceCodeVerifier: verifier, expectedState: state}, {resource: request.audience})
      reply(true, 'You are logged in to gpu-shopper. You can close this tab and return to the terminal.')
      return tokens
    } catch (err) {
      const reason = describeOidcError(err)
      reply(false, `The login did not complete: ${reason}`)
      throw new AuthError('login_failed', {
        server: request.server,
        message: `the identity provider did not log you in (${reason}); you were not logged in`,
        fix: 'Run the login again; if the IdP refused you, ask the server\'s admin for access.',
      })
    }
  } finally {
    await redirect.close()
  }
}
