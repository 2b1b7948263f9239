import {access, constants} from 'node:fs/promises'

import type {AppPaths} from '../config/paths.js'
import {sessionKeyPath} from './session-keys.js'

/** Where this machine keeps the session's private key, or null when it has none (created elsewhere). */
export async function localSessionKey(sessionId: string, paths: AppPaths): Promise<string | null> {
  const path = sessionKeyPath(sessionId, paths)
  return access(path, constants.R_OK).then(
    () => path,
    () => null,
  )
}
