import type {AuthStatus} from '../../client/auth/auth-status.js'
import type {LoginResult} from '../../client/auth/login.js'
import type {LogoutResult} from '../../client/auth/logout.js'
import {describeExpiry} from '../../client/auth/token-expiry.js'

/** Where a token is kept, as `auth status` and `auth login` say it. */
export function storeLabel(source: 'env' | 'keychain' | 'file', location: string | null): string {
  if (source === 'env') return 'GPU_SHOPPER_TOKEN (environment; nothing stored)'
  if (source === 'keychain') return `keychain: ${location ?? 'the OS keychain'}`
  return `file: ${location ?? 'credentials file'}`
}

function who(user: string | null, tenant: string | null, role: string | null): string {
  if (!user) return ''
  const about = [tenant && `tenant ${tenant}`, role && `role ${role}`].filter(Boolean).join(', ')
  return ` as ${user}${about ? ` (${about})` : ''}`
}

export function describeLogin(result: LoginResult, now: number): string {
  const renewal = result.refreshable ? 'renews itself before it expires' : 'is not renewed; log in again when it expires'
  return [
    `Logged in to ${result.server}${who(result.user, result.tenant, result.role)}.`,
    `The token expires ${describeExpiry(result.expires_at, now)} and ${renewal}; it is kept in ${storeLabel(result.store, result.store_location).replace(/^\w+: /, '')}.`,
  ].join('\n')
}

export function statusDetails(status: AuthStatus, now: number): Array<[string, string]> {
  const expiry = status.expires_at === null ? describeExpiry(null, now) : `${new Date(status.expires_at).toISOString()} (${describeExpiry(status.expires_at, now)})`
  return [
    ['Server', status.server],
    ['User', status.user],
    ['Tenant', status.tenant],
    ['Role', status.role],
    ['Token expires', `${expiry}${status.refreshable ? ', renewed automatically' : ''}`],
    ['Token store', storeLabel(status.source, status.store_location)],
  ]
}

export function describeLogout(result: LogoutResult): string {
  if (!result.was_logged_in) return `Not logged in to ${result.server}; nothing to do.`
  const revoked = {
    revoked: 'the tokens were revoked at the identity provider',
    unsupported: 'the identity provider cannot revoke tokens',
    failed: 'the identity provider did not take the revocation',
    not_applicable: 'the token was given with --with-token, so there was nothing to revoke',
  }[result.revocation]
  return `Logged out of ${result.server}: ${revoked}, and the stored login was deleted.`
}
