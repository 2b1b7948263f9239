import {closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync} from 'node:fs'
import {join} from 'node:path'

/**
 * One daemon per data dir: the store has one writer, and jobs held by a dead daemon may be
 * taken over at once only because no other daemon can hold them. The lock file names the
 * owner's pid; a lock whose owner is gone is taken over.
 */
export function acquireDaemonLock(dataDir: string): () => void {
  mkdirSync(dataDir, {recursive: true, mode: 0o700})
  const file = join(dataDir, 'daemon.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      return () => {
        if (ownerOf(file) === process.pid) rmSync(file, {force: true})
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const owner = ownerOf(file)
      if (owner !== null && owner !== process.pid && isAlive(owner)) {
        throw new Error(`another gpu-shopper daemon (pid ${owner}) already owns ${dataDir}; stop it with \`gpu-shopper daemon stop\``)
      }
      rmSync(file, {force: true})
    }
  }
  throw new Error(`could not take the daemon lock in ${dataDir}`)
}

function ownerOf(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
