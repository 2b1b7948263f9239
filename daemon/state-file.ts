import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

/** What a running daemon tells its CLI: where it listens and the bearer token (so the file is 0600). */
export interface DaemonState {
  pid: number
  url: string
  host: string
  port: number
  token: string | null
  version: string
  deployment_id: string
  simulated: boolean
  auth: boolean
  started_at: string
}

/** Written atomically after listen(), so a reader never sees half a file. */
export function writeStateFile(file: string, state: DaemonState): void {
  mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', {mode: 0o600})
  renameSync(tmp, file)
}

export function removeStateFile(file: string, pid: number): void {
  try {
    const current = JSON.parse(readFileSync(file, 'utf8')) as Partial<DaemonState>
    // Never remove a newer daemon's file.
    if (current.pid !== pid) return
  } catch {
    return
  }
  rmSync(file, {force: true})
}
