import {access, constants} from 'node:fs/promises'

import type {ApiClient} from '../../client/api-client.js'
import type {AppPaths} from '../../config/paths.js'
import {KEY_DELETED_EVENT, type SessionDto} from '../../core/api/sessions.js'
import {isTerminal} from '../../core/session-status.js'
import {forgetEndedSessionKey} from './ended-session-keys.js'
import {sessionKeyPath} from './session-keys.js'

/** Where this machine keeps the session's private key, or null when it has none (created elsewhere, or deleted at the end). */
export async function localSessionKey(sessionId: string, paths: AppPaths): Promise<string | null> {
  const path = sessionKeyPath(sessionId, paths)
  return access(path, constants.R_OK).then(
    () => path,
    () => null,
  )
}

/**
 * The "Private key" line of `sessions get`: the path, or why there is none. An ended session's
 * key is deleted here when the CLI sees it ended (older daemons deleted it themselves and
 * recorded a `key_deleted` event), so a missing key is told apart from one made elsewhere.
 */
export async function privateKeyLine(session: Pick<SessionDto, 'id' | 'status' | 'retried_as'>, paths: AppPaths, client: Pick<ApiClient, 'sessions'>): Promise<string> {
  if (isTerminal(session.status)) {
    if (await forgetEndedSessionKey(session.id, paths, session.retried_as)) return DELETED_AT_END
    const {events} = await client.sessions.events(session.id, 0)
    if (events.some((e) => e.type === KEY_DELETED_EVENT)) return DELETED_AT_END
    return 'none on this machine (created elsewhere); the session has ended'
  }
  return (await localSessionKey(session.id, paths)) ?? 'not on this machine (created elsewhere; use connect --identity)'
}

const DELETED_AT_END = 'deleted when the session ended (it is no use once the instance is gone)'
