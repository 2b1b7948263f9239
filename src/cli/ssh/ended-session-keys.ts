import {readdir, rm, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {ApiClient} from '../../client/api-client.js'
import {type AppPaths, sessionKeysDir} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {isTerminal} from '../../core/session-status.js'
import {passKeyOn} from './retry-keys.js'

/**
 * A session's private key is no use once its instance is gone, so this machine's copy goes when
 * the CLI sees the session ended. A small marker (`ended-<id>`) remembers that it was here, so
 * `sessions get` can say "deleted when the session ended" rather than "created elsewhere".
 * Markers older than MARKER_KEEP_MS are swept.
 */

const MARKER_PREFIX = 'ended-'
const MARKER_KEEP_MS = 90 * 86_400_000
const SESSION_KEY = /^sess-[0-9a-f]+$/

const markerPath = (sessionId: string, paths: AppPaths) => join(sessionKeysDir(paths), `${MARKER_PREFIX}${sessionId}`)

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}

/**
 * Deletes an ended session's key pair here (never anything but `<keys>/<session id>` and its
 * `.pub`). Returns whether this machine had its key: deleted now or at an earlier look.
 */
export async function forgetEndedSessionKey(sessionId: string, paths: AppPaths, retriedAs: string | null = null): Promise<boolean> {
  if (!SESSION_KEY.test(sessionId)) return false
  const privateKey = join(sessionKeysDir(paths), sessionId)
  const marker = markerPath(sessionId, paths)
  if (await exists(privateKey)) {
    // A failed try that auto-retry replaced: its successor logs in with this same key.
    if (retriedAs) await passKeyOn(sessionId, retriedAs, paths)
    await writeFile(marker, '', {mode: 0o600})
    await rm(privateKey, {force: true})
    await rm(`${privateKey}.pub`, {force: true})
    return true
  }
  return exists(marker)
}

/**
 * Looks up every session this machine still holds a key for and forgets the keys of those that
 * ended. A session the server does not know (another server's, or unreachable now) keeps its key.
 */
export async function pruneEndedSessionKeys(client: Pick<ApiClient, 'sessions'>, paths: AppPaths, now = Date.now()): Promise<void> {
  let files: string[]
  try {
    files = await readdir(sessionKeysDir(paths))
  } catch {
    return
  }
  await Promise.all(
    files.map(async (file) => {
      if (SESSION_KEY.test(file)) {
        const session: Pick<SessionDto, 'status' | 'retried_as'> | null = await client.sessions.get(file).catch(() => null)
        if (session && isTerminal(session.status)) await forgetEndedSessionKey(file, paths, session.retried_as)
      } else if (file.startsWith(MARKER_PREFIX)) {
        const marker = join(sessionKeysDir(paths), file)
        const age = await stat(marker).then((s) => now - s.mtimeMs, () => 0)
        if (age > MARKER_KEEP_MS) await rm(marker, {force: true})
      }
    }),
  )
}

/** Forgets the keys of the ended sessions among those a command just listed. */
export async function forgetKeysOfEnded(sessions: readonly Pick<SessionDto, 'id' | 'status' | 'retried_as'>[], paths: AppPaths): Promise<void> {
  await Promise.all(sessions.filter((s) => isTerminal(s.status)).map((s) => forgetEndedSessionKey(s.id, paths, s.retried_as)))
}
