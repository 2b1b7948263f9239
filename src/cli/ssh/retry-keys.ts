import {chmod, constants, copyFile} from 'node:fs/promises'

import type {AppPaths} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {isReadable} from './read-if-exists.js'
import {sessionKeyPath} from './session-keys.js'

/** How far up a retry chain a key is looked for (auto-retry allows at most 5 retries). */
const MAX_CHAIN = 8

/**
 * A session that took a failed try's place (auto-retry) trusts the same public key as the
 * first try, so its private key is that one, handed down the chain: copied to the successor's
 * own file (0600) before anything deletes the failed try's. Returns whether the session has a
 * key here now. `lookup` reads a session, to walk past tries this machine never saw.
 */
export async function handDownRetryKey(
  session: Pick<SessionDto, 'id' | 'retry_of'>,
  paths: AppPaths,
  lookup?: (id: string) => Promise<Pick<SessionDto, 'retry_of'> | null>,
): Promise<boolean> {
  const own = sessionKeyPath(session.id, paths)
  if (await isReadable(own)) return true
  let previous = session.retry_of
  for (let step = 0; previous && step < MAX_CHAIN; step++) {
    const theirs = sessionKeyPath(previous, paths)
    if (await isReadable(theirs)) {
      await copyKey(theirs, own)
      return true
    }
    previous = lookup ? ((await lookup(previous).catch(() => null))?.retry_of ?? null) : null
  }
  return false
}

/** Gives the failed try's key to the session that took its place, if that one has none yet. */
export async function passKeyOn(failedId: string, successorId: string, paths: AppPaths): Promise<void> {
  const theirs = sessionKeyPath(failedId, paths)
  const own = sessionKeyPath(successorId, paths)
  if ((await isReadable(theirs)) && !(await isReadable(own))) await copyKey(theirs, own)
}

async function copyKey(from: string, to: string): Promise<void> {
  // COPYFILE_EXCL: a key already there (another command handing it down at once) is kept.
  await copyFile(from, to, constants.COPYFILE_EXCL).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err
  })
  await chmod(to, 0o600)
  await copyFile(`${from}.pub`, `${to}.pub`, constants.COPYFILE_EXCL).catch(() => undefined)
}

