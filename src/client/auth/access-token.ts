import {ENV, readEnv} from '../../config/env.js'
import {appPaths} from '../../config/paths.js'
import type {StoredCredentials} from './credentials.js'
import {withRefreshLock} from './refresh-lock.js'
import {type StoreKind, SecretStore} from './secret-store.js'
import {needsRefresh} from './token-expiry.js'
import {refreshCredentials} from './token-refresh.js'

export interface Bearer {
  accessToken: string
  /** Where it came from: GPU_SHOPPER_TOKEN, or the store holding the login. */
  source: 'env' | StoreKind
  /** The stored login behind it; null for GPU_SHOPPER_TOKEN. */
  credentials: StoredCredentials | null
  /** The keychain's name or the file's path; null for GPU_SHOPPER_TOKEN. */
  location: string | null
  /** True when this call renewed the token. */
  refreshed: boolean
}

export interface BearerOptions {
  env?: NodeJS.ProcessEnv
  /** The one-time notice of a file store, should a refresh be the first write to it. */
  warn?: (message: string) => void
  now?: () => number
  store?: SecretStore
}

/**
 * The bearer for a team server. GPU_SHOPPER_TOKEN wins and the store is never touched (CI,
 * and scripts that manage their own token). Otherwise the stored login, renewed first when it
 * has less than a minute left, under a lock so concurrent commands spend a rotating refresh
 * token once. Null when there is no login: the server's 401 then carries the fix.
 */
export async function bearerForServer(server: string, options: BearerOptions = {}): Promise<Bearer | null> {
  const env = options.env ?? process.env
  const fromEnv = readEnv(ENV.token, env)
  if (fromEnv) return {accessToken: fromEnv, source: 'env', credentials: null, location: null, refreshed: false}
  const now = options.now ?? Date.now
  const store = options.store ?? new SecretStore({paths: appPaths(env), warn: options.warn ?? (() => {})})
  const found = await store.get(server)
  if (!found) return null
  if (!needsRefresh(found.credentials.expiresAt, now()) || unrenewableButValid(found.credentials, now())) {
    return {accessToken: found.credentials.accessToken, source: found.store, credentials: found.credentials, location: found.location, refreshed: false}
  }
  return withRefreshLock(appPaths(env), async () => {
    // Another command may have renewed it while this one waited for the lock.
    const current = (await store.get(server)) ?? found
    if (!needsRefresh(current.credentials.expiresAt, now())) {
      return {accessToken: current.credentials.accessToken, source: current.store, credentials: current.credentials, location: current.location, refreshed: false}
    }
    const renewed = await refreshCredentials(current.credentials, now)
    const saved = await store.save(renewed)
    return {accessToken: renewed.accessToken, source: saved.store, credentials: renewed, location: saved.location, refreshed: true}
  })
}

/** A login without a refresh token (`--with-token`) is used until it has actually expired: nothing could renew it early. */
function unrenewableButValid(credentials: StoredCredentials, now: number): boolean {
  return credentials.refreshToken === null && (credentials.expiresAt === null || credentials.expiresAt > now)
}
