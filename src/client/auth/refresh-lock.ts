import {mkdir, open, readFile, rm, stat} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import type {AppPaths} from '../../config/paths.js'
import {isProcessAlive} from '../daemon-state.js'

// A refresh is one round trip to the IdP; a lock older than this belongs to a process that died.
const LOCK_STALE_MS = 30_000
const WAIT_MS = 45_000
const POLL_MS = 50

/**
 * One refresh at a time per user. IdPs rotate refresh tokens for public clients: two commands
 * refreshing with the same token at once would spend it twice, and an IdP that detects the
 * reuse revokes the whole login. The second command waits here and then finds the first one's
 * fresh token in the store.
 */
export async function withRefreshLock<T>(paths: AppPaths, fn: () => Promise<T>): Promise<T> {
  await mkdir(paths.state, {recursive: true, mode: 0o700})
  const lockFile = join(paths.state, 'auth-refresh.lock')
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if ((await isStale(lockFile)) || Date.now() > deadline) {
        await rm(lockFile, {force: true})
        continue
      }
      await delay(POLL_MS)
    }
  }
  try {
    return await fn()
  } finally {
    await rm(lockFile, {force: true})
  }
}

async function isStale(lockFile: string): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)])
    const owner = Number(text.trim())
    if (text.trim() !== '' && Number.isInteger(owner) && !isProcessAlive(owner)) return true
    return Date.now() - info.mtimeMs > LOCK_STALE_MS
  } catch {
    return false
  }
}
