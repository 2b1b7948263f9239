import {readFileSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'

import type {DaemonState} from '../config/daemon-state.js'
import {hasExited, signalZeroSaysAlive} from '../config/process-identity.js'
import {type AppPaths, daemonStateFile} from '../config/paths.js'

export type {DaemonState}

/**
 * The state file, or null when there is none. A file that does not parse is treated as absent:
 * the daemon may be half-way through writing it, and the caller polls again.
 */
export async function readDaemonState(paths: AppPaths): Promise<DaemonState | null> {
  let text: string
  try {
    text = await readFile(daemonStateFile(paths), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  return parseDaemonState(text)
}

export function readDaemonStateSync(paths: AppPaths): DaemonState | null {
  try {
    return parseDaemonState(readFileSync(daemonStateFile(paths), 'utf8'))
  } catch {
    return null
  }
}

export function parseDaemonState(text: string): DaemonState | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const state = value as Partial<DaemonState>
  if (typeof state.pid !== 'number' || typeof state.url !== 'string') return null
  return {
    pid: state.pid,
    url: state.url,
    host: state.host ?? '127.0.0.1',
    port: state.port ?? Number(new URL(state.url).port),
    token: state.token || null,
    version: state.version ?? 'unknown',
    deployment_id: state.deployment_id ?? 'unknown',
    simulated: state.simulated === true,
    auth: state.auth !== false,
    started_at: state.started_at ?? '',
  }
}

export async function removeDaemonState(paths: AppPaths): Promise<void> {
  await rm(daemonStateFile(paths), {force: true})
}

/**
 * Signal 0 checks existence without touching the process; EPERM means it exists but is not ours.
 * A zombie answers signal 0 too, yet it has exited (a daemon killed with -9 whose parent has
 * not reaped it): it is not alive.
 */
export function isProcessAlive(pid: number): boolean {
  return signalZeroSaysAlive(pid) && !hasExited(pid)
}

/**
 * Guards against pid reuse: after a reboot the state file's pid may belong to anything. Where
 * /proc exists we only accept a process whose command line names the daemon; elsewhere we trust the pid.
 */
export function isDaemonProcess(pid: number): boolean {
  if (!isProcessAlive(pid)) return false
  let cmdline: string
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
  } catch {
    return true
  }
  return /daemon/i.test(cmdline) || cmdline.includes('gpu-shopper')
}
