import {ApiError} from '../errors.js'
import {bearerForServer} from './access-token.js'
import {loginRequired, notLoggedIn} from './errors.js'
import type {StoreKind} from './secret-store.js'
import {secondsLeft} from './token-expiry.js'
import {fetchWhoAmI} from './whoami.js'

export interface AuthStatus {
  server: string
  user: string
  tenant: string
  role: string
  /** Epoch ms the access token expires; null when unknown. */
  expires_at: number | null
  expires_in_seconds: number | null
  /** Where the token came from: GPU_SHOPPER_TOKEN, the OS keychain, or the 0600 file. */
  source: 'env' | StoreKind
  /** The keychain's name or the file's path; null for GPU_SHOPPER_TOKEN. */
  store_location: string | null
  /** A refresh token is stored, so the login renews itself. */
  refreshable: boolean
}

/**
 * `auth status`: the login for a server as the server sees it. Renews the token first when it is
 * about to expire, like any command, so a status that says "logged in" is one that works.
 */
export async function authStatus(server: string, options: {env?: NodeJS.ProcessEnv; warn(message: string): void; now?: () => number}): Promise<AuthStatus> {
  const now = options.now ?? Date.now
  const bearer = await bearerForServer(server, {env: options.env, warn: options.warn, now})
  if (!bearer) throw notLoggedIn(server)
  let whoami
  try {
    whoami = await fetchWhoAmI(server, bearer.accessToken)
  } catch (err) {
    if (bearer.source !== 'env' && err instanceof ApiError && err.status === 401) throw loginRequired(server, `the server refused the stored token: ${err.message}`)
    throw err
  }
  const expiresAt = bearer.credentials?.expiresAt ?? whoami.expires_at
  return {
    server,
    user: whoami.user,
    tenant: whoami.tenant,
    role: whoami.role,
    expires_at: expiresAt,
    expires_in_seconds: secondsLeft(expiresAt, now()),
    source: bearer.source,
    store_location: bearer.location,
    refreshable: bearer.credentials?.refreshToken != null,
  }
}
