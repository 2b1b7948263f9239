import {chmod, mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import type {AppPaths} from '../../config/paths.js'
import {type StoredCredentials, parseCredentials} from './credentials.js'

export interface FileStore {
  readonly kind: 'file'
  readonly location: string
  get(server: string): Promise<StoredCredentials | null>
  /** Returns true when this write created the file (the moment to tell the user about it). */
  set(credentials: StoredCredentials): Promise<{created: boolean}>
  delete(server: string): Promise<boolean>
}

interface FileShape {
  version: 1
  servers: Record<string, unknown>
}

export function credentialsFile(paths: AppPaths): string {
  return join(paths.config, 'credentials.json')
}

/**
 * Credentials of every server in one JSON file, readable by the user alone (0600 in a 0700
 * directory). The fallback where no OS keychain answers. Writes go through a temporary file and
 * a rename, so a crash mid-write never leaves a half file that reads as "logged out".
 */
export function fileStore(paths: AppPaths): FileStore {
  const file = credentialsFile(paths)

  const read = async (): Promise<FileShape | null> => {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    try {
      const value = JSON.parse(text) as FileShape
      return value && typeof value.servers === 'object' && value.servers !== null ? value : {version: 1, servers: {}}
    } catch {
      return {version: 1, servers: {}}
    }
  }

  const write = async (shape: FileShape): Promise<void> => {
    await mkdir(dirname(file), {recursive: true, mode: 0o700})
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, `${JSON.stringify(shape, null, 2)}\n`, {mode: 0o600})
    // writeFile's mode applies only to a new file, and the umask may have narrowed or widened it.
    await chmod(temp, 0o600)
    await rename(temp, file)
  }

  return {
    kind: 'file',
    location: file,
    async get(server) {
      const shape = await read()
      const entry = shape?.servers[server]
      return entry === undefined ? null : parseCredentials(JSON.stringify(entry))
    },
    async set(credentials) {
      const shape = await read()
      const created = shape === null
      const next: FileShape = {version: 1, servers: {...shape?.servers, [credentials.server]: credentials}}
      await write(next)
      return {created}
    },
    async delete(server) {
      const shape = await read()
      if (!shape || !(server in shape.servers)) return false
      const {[server]: _removed, ...rest} = shape.servers
      if (Object.keys(rest).length === 0) await rm(file, {force: true})
      else await write({version: 1, servers: rest})
      return true
    },
  }
}
