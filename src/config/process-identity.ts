import {existsSync, readFileSync} from 'node:fs'

/**
 * Which process a pid names, where Linux's /proc can tell: a pid alone is not an identity,
 * since after a crash or a reboot it is soon reused by something else. A process is known by
 * its pid, its start time (clock ticks after boot) and the boot it started in.
 */
export interface ProcessIdentity {
  pid: number
  start?: string
  boot?: string
}

export function procAvailable(): boolean {
  return existsSync('/proc/self/stat')
}

/** The identity of a running process, or null when it does not exist or /proc is missing. */
export function identityOf(pid: number): ProcessIdentity | null {
  const stat = procStat(pid)
  if (!stat) return null
  const boot = bootId()
  return {pid, start: stat.start, ...(boot ? {boot} : {})}
}

/**
 * Whether the process `identity` recorded still runs: same pid, same start, same boot, and not
 * a zombie (a killed process its parent has not reaped yet holds nothing). A bare pid is
 * accepted only if `looksRight` says its command line is plausible. Without /proc, a pid that
 * answers signal 0 is trusted: there is nothing better to go by.
 */
export function isSameProcess(identity: ProcessIdentity, looksRight: (commandLine: string) => boolean): boolean {
  if (!procAvailable()) return signalZeroSaysAlive(identity.pid)
  const stat = procStat(identity.pid)
  if (!stat || hasExitedState(stat.state)) return false
  if (identity.boot && identity.boot !== bootId()) return false
  if (identity.start !== undefined) return identity.start === stat.start
  return looksRight(commandLine(identity.pid))
}

/** True for a pid that has exited but is still listed: a zombie (Z) or dead (X). */
export function hasExited(pid: number): boolean {
  const stat = procStat(pid)
  return stat !== null && hasExitedState(stat.state)
}

export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return ''
  }
}

function hasExitedState(state: string): boolean {
  return state === 'Z' || state === 'X'
}

/**
 * State and start time from /proc/PID/stat. The command name (field 2) is in parentheses and
 * may hold spaces or parentheses itself, so fields are counted from the last ')'.
 */
function procStat(pid: number): {state: string; start: string} | null {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 (state); starttime is field 22.
  const state = fields[0]
  const start = fields[19]
  return state && start ? {state, start} : null
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null
  } catch {
    return null
  }
}

/** Signal 0 checks existence without touching the process; EPERM means it exists but is not ours. */
export function signalZeroSaysAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
