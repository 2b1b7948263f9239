import {join} from 'node:path'

import type {AppPaths} from '../../config/paths.js'
import {withFileLock} from '../file-lock.js'

/**
 * One refresh at a time per user. IdPs rotate refresh tokens for public clients: two commands
 * refreshing with the same token at once would spend it twice, and an IdP that detects the
 * reuse revokes the whole login. The second command waits here and then finds the first one's
 * fresh token in the store. A refresh is one round trip to the IdP: a lock older than 30 s
 * belongs to a process that died.
 */
export function withRefreshLock<T>(paths: AppPaths, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(paths.state, 'auth-refresh.lock'), {staleMs: 30_000, waitMs: 45_000, pollMs: 50, onTimeout: 'take-over'}, fn)
}
