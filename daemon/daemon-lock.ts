import {linkSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {identityOf, isSameProcess, procAvailable, type ProcessIdentity} from '../src/config/process-identity.js'

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
  const mine = JSON.stringify(identityOf(process.pid) ?? {pid: process.pid})
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

/** JSON from this version on; a bare pid from earlier ones. */
export function parseOwner(text: string): ProcessIdentity | null {
  const trimmed = text.trim()
  if (/^\d+$/.test(trimmed)) return {pid: Number(trimmed)}
  try {
    const value = JSON.parse(trimmed) as Partial<ProcessIdentity>
    if (!Number.isInteger(value.pid) || (value.pid as number) <= 0) return null
    return {pid: value.pid as number, start: typeof value.start === 'string' ? value.start : undefined, boot: typeof value.boot === 'string' ? value.boot : undefined}
  } catch {
    return null
  }
}

/** Whether the lock's owner still runs. A lock from before start times were recorded counts only for a process that looks like ours. */
function isRunning(owner: ProcessIdentity): boolean {
  return isSameProcess(owner, (commandLine) => /gpu-shopper|daemon[/\\](main|reconcile-main)\.[jt]s/.test(commandLine))
}

function readLock(file: string): string | null {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
