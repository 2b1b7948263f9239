import {mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {dirname} from 'node:path'

import type {DaemonState} from '../src/config/daemon-state.js'

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
