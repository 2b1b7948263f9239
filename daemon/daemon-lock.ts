import {existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

/**
 * One daemon per data dir: the store has one writer, and jobs held by a dead daemon may be
 * taken over at once only because no other daemon can hold them. The lock file names its
 * owner (the daemon, or the offline `reconcile` runner); a lock whose owner is gone is taken
 * over.
 *
 * "Gone" must survive pid reuse and kill -9: after a crash the file stays, and its pid may
 * soon belong to an unrelated process (or to a zombie nobody reaps). So the lock records the
 * owner's start time and boot id from /proc, and only the process with that pid, start time
 * and boot still counts as the owner. Without /proc (macOS) a live pid is trusted, and the
 * error names the file so a user can remove it.
 */
export function acquireDaemonLock(dataDir: string): () => void {
  mkdirSync(dataDir, {recursive: true, mode: 0o700})
  const file = join(dataDir, 'daemon.lock')
  const mine = serialise(identityOf(process.pid) ?? {pid: process.pid})
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written whole under a private name, then linked into place: link fails if the lock exists,
    // so a reader never sees a half-written lock and two starters never both win.
    const draft = `${file}.${process.pid}.tmp`
    writeFileSync(draft, mine, {mode: 0o600})
    try {
      linkSync(draft, file)
      return () => {
        if (readLock(file) === mine) rmSync(file, {force: true})
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    } finally {
      rmSync(draft, {force: true})
    }
    const text = readLock(file)
    if (text === null) continue
    const owner = parseOwner(text)
    if (owner && owner.pid !== process.pid && isRunning(owner)) {
      throw new Error(
        `another gpu-shopper daemon (pid ${owner.pid}) already owns ${dataDir}; stop it with \`gpu-shopper daemon stop\`` +
          (procAvailable() ? '' : ` (if no gpu-shopper process has pid ${owner.pid}, delete ${file})`),
      )
    }
    // Only the stale lock we judged goes: a lock someone wrote meanwhile is theirs.
    if (readLock(file) === text) rmSync(file, {force: true})
  }
  throw new Error(`could not take the daemon lock in ${dataDir}`)
}

/** Who holds a lock: the pid, and where /proc exists the start time (clock ticks after boot) and boot id. */
export interface LockOwner {
  pid: number
  start?: string
  boot?: string
}

/** The identity of a running process, or null when it does not exist or /proc is missing. */
export function identityOf(pid: number): LockOwner | null {
  const stat = procStat(pid)
  if (!stat) return null
  const boot = bootId()
  return {pid, start: stat.start, ...(boot ? {boot} : {})}
}

function serialise(owner: LockOwner): string {
  return JSON.stringify(owner)
}

/** JSON from this version on; a bare pid from earlier ones. */
export function parseOwner(text: string): LockOwner | null {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return {pid: Number(trimmed)}
  try {
    const value = JSON.parse(trimmed) as Partial<LockOwner>
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return null
    return {pid: value.pid as number, start: typeof value.start === 'string' ? value.start : undefined, boot: typeof value.boot === 'string' ? value.boot : undefined}
  } catch {
    return null
  }
}

/** Whether the lock's owner still runs: same pid, same start, same boot, and not a zombie. */
export function isRunning(owner: LockOwner): boolean {
  if (!procAvailable()) return signalZeroSaysAlive(owner.pid)
  const stat = procStat(owner.pid)
  // A zombie (Z) or dead (X) process has exited: it holds nothing, it only waits to be reaped.
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false
  if (owner.boot && owner.boot !== bootId()) return false
  if (owner.start !== undefined) return owner.start === stat.start
  // A lock from before start times were recorded: accept only a process that looks like ours.
  return /gpu-shopper|daemon[/\\](main|reconcile-main)\.[jt]s/.test(commandLine(owner.pid))
}

function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}

function procAvailable(): boolean {
  return existsSync('/proc/self/stat')
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

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ')
  } catch {
    return ''
  }
}

/** Signal 0 checks existence without touching the process; EPERM means it exists but is not ours. */
function signalZeroSaysAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
