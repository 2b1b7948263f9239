import {constants} from 'node:fs'
import {access, stat} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'

import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'

/**
 * Checks of the local files a command reads or writes, done before anything is asked of the
 * daemon or a session: a path the user mistyped is a usage error (exit 2) that names the flag
 * or argument (`--output-file`, `DST`) and says how to fix it, not an internal error after
 * the work was done.
 */

/** A file about to be written. With `intoDirectory`, an existing directory is fine (the file goes inside, as scp does). */
export async function checkWritableDestination(name: string, path: string, what: string, options: {intoDirectory?: boolean} = {}): Promise<void> {
  const absolute = resolve(path)
  const existing = await stat(absolute).catch(() => null)
  if (existing?.isDirectory()) {
    if (options.intoDirectory) return checkWritableDirectory(name, path, absolute, what)
    throw pathError(name, path, `is a directory; ${what}`, `Name a file in it, e.g. ${name} ${resolve(absolute, 'out.csv')}.`)
  }
  if (existing) {
    if (!(await canAccess(absolute, constants.W_OK))) throw pathError(name, path, `cannot be written (no permission); ${what}`, 'Choose a file you may write, or change its permissions.')
    return
  }
  return checkWritableDirectory(name, path, dirname(absolute), what)
}

/** A file about to be read. */
export async function checkReadableFile(name: string, path: string, what: string): Promise<void> {
  const absolute = resolve(path)
  const existing = await stat(absolute).catch((err: NodeJS.ErrnoException) => err)
  if (existing instanceof Error) {
    if (existing.code === 'ENOENT' || existing.code === 'ENOTDIR') throw pathError(name, path, `does not exist; ${what}`, 'Check the path (a relative one is from the current directory).')
    throw localFileError(name, path, existing, what)
  }
  if (!existing.isFile()) throw pathError(name, path, `is not a regular file; ${what}`, 'Name one file: directories are not copied.')
  if (!(await canAccess(absolute, constants.R_OK))) throw pathError(name, path, `cannot be read (no permission); ${what}`, 'Choose a file you may read, or change its permissions.')
}

/**
 * What a failed read or write of a local file means for the user, for failures the checks
 * above could not foresee (the disk filled up, a directory was removed meanwhile).
 */
export function localFileError(name: string, path: string, err: NodeJS.ErrnoException, what: string): UserError {
  const reason: Record<string, [string, string]> = {
    ENOENT: ['does not exist (or its directory does not)', `Create the directory first (mkdir -p ${dirname(resolve(path))}).`],
    ENOTDIR: ['has a part that is not a directory', 'Check the path.'],
    EISDIR: ['is a directory', 'Name a file.'],
    EACCES: ['cannot be accessed (no permission)', 'Choose a path you may write, or change its permissions.'],
    EPERM: ['cannot be accessed (not permitted)', 'Choose another path.'],
    EROFS: ['is on a read-only file system', 'Choose a path on a writable disk.'],
    ENOSPC: ['could not be written: the disk is full', 'Free some space, or choose another disk.'],
    EDQUOT: ['could not be written: the disk quota is exceeded', 'Free some space, or choose another disk.'],
  }
  const [problem, fix] = reason[err.code ?? ''] ?? [`could not be used (${err.code ?? err.message})`, 'Choose another path.']
  return pathError(name, path, `${problem}; ${what}`, fix)
}

/** Whether an error is a Node file-system error about a local path (not a network or SSH error). */
export function isLocalFileError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string' && 'path' in err
}

async function checkWritableDirectory(name: string, path: string, directory: string, what: string): Promise<void> {
  const dir = await stat(directory).catch(() => null)
  if (!dir) throw pathError(name, path, `cannot be written: the directory ${directory} does not exist; ${what}`, `Create it first (mkdir -p ${directory}), or choose a path in an existing directory.`)
  if (!dir.isDirectory()) throw pathError(name, path, `cannot be written: ${directory} is not a directory; ${what}`, 'Check the path.')
  if (!(await canAccess(directory, constants.W_OK))) {
    throw pathError(name, path, `cannot be written: no permission to create files in ${directory}; ${what}`, 'Choose a directory you may write to.')
  }
}

function pathError(name: string, path: string, problem: string, fix: string): UserError {
  return new UserError(`${name} ${path} ${problem}`, {errorType: 'usage_error', exitCode: EXIT.USAGE, fix, details: {path}})
}

async function canAccess(path: string, mode: number): Promise<boolean> {
  return access(path, mode).then(
    () => true,
    () => false,
  )
}
