import {mkdir, open, readFile, rm, stat} from 'node:fs/promises'
import {dirname} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import {isProcessAlive} from './daemon-state.js'

export interface FileLockOptions {
  /** A lock whose owner died, or older than this, is taken over. */
  staleMs: number
  /** How long to wait for a live owner. */
  waitMs: number
  pollMs: number
  /** At the deadline: take the lock over, or give up with this error. */
  onTimeout: 'take-over' | ((lockFile: string) => Error)
}

/**
 * Runs `fn` holding `lockFile` (created exclusively, holding our pid), so that CLI processes of
 * one user do something one at a time; the file is removed afterwards, and a lock left by a
 * process that died is taken over.
 */
export async function withFileLock<T>(lockFile: string, options: FileLockOptions, fn: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockFile), {recursive: true, mode: 0o700})
  const deadline = Date.now() + options.waitMs
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const stale = await isStale(lockFile, options.staleMs)
      if (!stale && Date.now() > deadline && options.onTimeout !== 'take-over') throw options.onTimeout(lockFile)
      if (stale || Date.now() > deadline) {
        await rm(lockFile, {force: true})
        continue
      }
      await delay(options.pollMs)
    }
  }
  try {
    return await fn()
  } finally {
    await rm(lockFile, {force: true})
  }
}

async function isStale(lockFile: string, staleMs: number): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)])
    const owner = Number(text.trim())
    if (text.trim() !== '' && !isProcessAlive(owner)) return true
    return Date.now() - info.mtimeMs > staleMs
  } catch {
    return false
  }
}
