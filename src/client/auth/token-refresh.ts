import {type StoredCredentials, renewedCredentials} from './credentials.js'
import {AuthError, loginRequired} from './errors.js'
import {describeOidcError, discoverIssuer, oauthErrorCode} from './issuer-client.js'

/**
 * OAuth error codes meaning the refresh token itself is no good (expired, revoked, spent by a
 * rotation, or issued to someone else): only a new login helps. Anything else (the IdP down, a
 * 5xx) leaves the stored login as it is, to be retried.
 */
const DEAD_GRANT = new Set(['invalid_grant', 'invalid_token', 'unauthorized_client', 'invalid_client'])

/** Renews the access token with the refresh token, for the same audience as the login's. */
export async function refreshCredentials(credentials: StoredCredentials, now: () => number = Date.now): Promise<StoredCredentials> {
  const {server, issuer, clientId, refreshToken, audience} = credentials
  if (!refreshToken || !issuer || !clientId) {
    throw loginRequired(server, credentials.issuer ? 'the access token has expired and there is no refresh token' : 'the access token given with --with-token has expired')
  }
  const client = await discoverIssuer({issuer, clientId}, server)
  try {
    const tokens = await client.oidc.refreshTokenGrant(client.config, refreshToken, audience ? {resource: audience} : undefined)
    return renewedCredentials(credentials, tokens, now())
  } catch (err) {
    const code = oauthErrorCode(err)
    if (code && DEAD_GRANT.has(code)) throw loginRequired(server, `the identity provider refused the refresh token: ${describeOidcError(err)}`)
    throw new AuthError('idp_unreachable', {
      server,
      message: `could not renew your login to ${server} at ${issuer} (${describeOidcError(err)}); nothing was sent to the server`,
      fix: 'Retry in a minute; the stored login was kept.',
    })
  }
}
