import {appPaths} from '../../config/paths.js'
import {describeOidcError, discoverIssuer, oauthErrorCode} from './issuer-client.js'
import {type StoreKind, SecretStore} from './secret-store.js'

export interface LogoutResult {
  server: string
  /** Whether any credentials were stored for the server. */
  was_logged_in: boolean
  /**
   * What the IdP was told: `revoked` (it took the revocation), `unsupported` (no revocation
   * endpoint: the tokens live until they expire), `failed` (it did not answer; see the warning),
   * `not_applicable` (a --with-token login: nothing of ours to revoke).
   */
  revocation: 'revoked' | 'unsupported' | 'failed' | 'not_applicable'
  deleted_from: StoreKind[]
}

/**
 * `auth logout`: revokes the refresh token (which ends the whole grant at most IdPs) and the
 * access token at the issuer's revocation endpoint (RFC 7009), then deletes the stored login.
 * The local copy goes whatever the IdP said: a user who logs out must not stay logged in here.
 */
export async function logout(server: string, ui: {warn(message: string): void; env?: NodeJS.ProcessEnv}): Promise<LogoutResult> {
  const store = new SecretStore({paths: appPaths(ui.env ?? process.env), warn: ui.warn})
  const found = await store.get(server)
  if (!found) return {server, was_logged_in: false, revocation: 'not_applicable', deleted_from: []}
  const {issuer, clientId, refreshToken, accessToken} = found.credentials
  let revocation: LogoutResult['revocation'] = 'not_applicable'
  if (issuer && clientId) {
    try {
      const {oidc, config} = await discoverIssuer({issuer, clientId}, server)
      if (!config.serverMetadata().revocation_endpoint) {
        revocation = 'unsupported'
        ui.warn(`${issuer} offers no token revocation: the tokens stay valid at the IdP until they expire`)
      } else {
        if (refreshToken) await oidc.tokenRevocation(config, refreshToken, {token_type_hint: 'refresh_token'})
        // RFC 7009 lets an IdP refuse to revoke self-contained (JWT) access tokens with
        // unsupported_token_type: those live out their few minutes, and the refresh token that
        // would renew them is gone.
        await oidc.tokenRevocation(config, accessToken, {token_type_hint: 'access_token'}).catch((err: unknown) => {
          if (oauthErrorCode(err) !== 'unsupported_token_type' || !refreshToken) throw err
        })
        revocation = 'revoked'
      }
    } catch (err) {
      revocation = 'failed'
      ui.warn(`could not revoke the tokens at ${issuer} (${describeOidcError(err)}); they stay valid there until they expire`)
    }
  }
  const deleted = await store.delete(server)
  return {server, was_logged_in: true, revocation, deleted_from: deleted}
}
