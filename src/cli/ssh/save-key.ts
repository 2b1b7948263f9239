import {access, chmod, copyFile, constants} from 'node:fs/promises'

import {EXIT} from '../exit-codes.js'
import {UserError, flagError} from '../errors.js'

/**
 * Copies a session's private key to where the user wants it, 0600 like the original. An existing
 * file is never replaced silently: it may be another key someone still needs.
 */
export async function saveSessionKey(source: string, destination: string, options: {force?: boolean} = {}): Promise<string> {
  const exists = await access(source, constants.R_OK).then(
    () => true,
    () => false,
  )
  if (!exists) {
    throw new UserError(`No private key for this session on this machine (looked in ${source}); nothing was saved.`, {
      errorType: 'not_found',
      exitCode: EXIT.NOT_FOUND,
      fix: 'Keys live where the session was created; with a registered key, use its own private key instead (`connect --identity`).',
    })
  }
  try {
    // COPYFILE_EXCL makes "refuse to overwrite" atomic rather than a check-then-write race.
    await copyFile(source, destination, options.force ? 0 : constants.COPYFILE_EXCL)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw flagError('save-key', `${destination} exists already; nothing was saved`, 'Pick another path, or add --force to overwrite it.')
    }
    throw flagError('save-key', `cannot write ${destination}: ${(err as Error).message}`)
  }
  await chmod(destination, 0o600)
  return destination
}
