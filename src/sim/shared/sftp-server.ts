import {posix} from 'node:path'

import ssh2, {type Attributes, type SFTPWrapper} from 'ssh2'

import {FsError, type FsStat, type MemoryFs} from './memory-fs.js'

const {OPEN_MODE, STATUS_CODE} = ssh2.utils.sftp

type Handle = {kind: 'file'; path: string} | {kind: 'dir'; path: string; done: boolean}

function attrsOf(stat: FsStat): Attributes {
  const type = stat.kind === 'dir' ? 0o040000 : 0o100000
  return {mode: type | stat.mode, uid: 0, gid: 0, size: stat.size, atime: stat.mtime, mtime: stat.mtime}
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** An `ls -l` line, as OpenSSH's sftp-server puts in `longname` and `ls -l` prints. */
export function longListing(name: string, stat: FsStat, owner = 'root', human = false): string {
  const bits = (m: number) => `${m & 4 ? 'r' : '-'}${m & 2 ? 'w' : '-'}${m & 1 ? 'x' : '-'}`
  const perms = `${stat.kind === 'dir' ? 'd' : '-'}${bits(stat.mode >> 6)}${bits(stat.mode >> 3)}${bits(stat.mode)}`
  const d = new Date(stat.mtime * 1000)
  const when = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`
  const size = human ? humanBytes(stat.size) : String(stat.size)
  return `${perms} ${stat.kind === 'dir' ? 2 : 1} ${owner} ${owner} ${size.padStart(human ? 4 : 8)} ${when} ${name}`
}

function humanBytes(bytes: number): string {
  const units = ['', 'K', 'M', 'G', 'T']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return (value < 10 && unit > 0 ? (Math.ceil(value * 10) / 10).toFixed(1) : String(Math.ceil(value))) + units[unit]
}

/**
 * Answers the SFTP requests `copy` (and sftp/scp -s clients) need, over the machine's one
 * disk: the same MemoryFs its shell reads, so an upload is there for `cat` at once.
 */
export function serveSftp(sftp: SFTPWrapper, fs: MemoryFs, home: string): void {
  const handles = new Map<number, Handle>()
  let nextHandle = 1
  const resolve = (path: string) => posix.resolve(home, path || '.')
  const handleOf = (buffer: Buffer): Handle | undefined => (buffer.length === 4 ? handles.get(buffer.readUInt32BE(0)) : undefined)
  const newHandle = (handle: Handle): Buffer => {
    const id = nextHandle++
    handles.set(id, handle)
    const buffer = Buffer.alloc(4)
    buffer.writeUInt32BE(id, 0)
    return buffer
  }
  /** Runs a filesystem change and answers OK, or the status its error means. */
  const attempt = (reqId: number, change: () => void) => {
    try {
      change()
      return sftp.status(reqId, STATUS_CODE.OK)
    } catch (error) {
      return fail(reqId, error)
    }
  }
  const fail = (reqId: number, error: unknown) => {
    if (!(error instanceof FsError)) throw error
    if (error.code === 'ENOENT') return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    const messages: Record<string, string> = {
      EEXIST: `${error.path} exists`,
      EISDIR: `${error.path} is a directory`,
      ENOTDIR: `${error.path} is not a directory`,
      ENOTEMPTY: `${error.path} is not empty`,
      ENOSPC: 'simulated disk full',
      EINVAL: 'invalid argument',
    }
    return sftp.status(reqId, STATUS_CODE.FAILURE, messages[error.code])
  }
  const statPath = (reqId: number, raw: string) => {
    const stat = fs.stat(resolve(raw))
    return stat ? sftp.attrs(reqId, attrsOf(stat)) : sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
  }

  sftp.on('OPEN', (reqId, filename, flags) => {
    const path = resolve(filename)
    const existing = fs.stat(path)
    if (existing?.kind === 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} is a directory`)
    try {
      if (flags & OPEN_MODE.WRITE || flags & OPEN_MODE.CREAT) {
        if (existing && flags & OPEN_MODE.EXCL) return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} exists`)
        if (!existing && !(flags & OPEN_MODE.CREAT)) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
        if (!existing) fs.create(path)
        else if (flags & OPEN_MODE.TRUNC) fs.truncate(path)
      } else if (!existing) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    } catch (error) {
      return fail(reqId, error)
    }
    return sftp.handle(reqId, newHandle({kind: 'file', path}))
  })

  sftp.on('WRITE', (reqId, raw, offset, data) => {
    const handle = handleOf(raw)
    if (handle?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE)
    return attempt(reqId, () => fs.writeAt(handle.path, offset, data))
  })

  sftp.on('READ', (reqId, raw, offset, length) => {
    const handle = handleOf(raw)
    if (handle?.kind !== 'file') return sftp.status(reqId, STATUS_CODE.FAILURE)
    try {
      const chunk = fs.read(handle.path, offset, length)
      return chunk.length === 0 ? sftp.status(reqId, STATUS_CODE.EOF) : sftp.data(reqId, chunk)
    } catch (error) {
      return fail(reqId, error)
    }
  })

  sftp.on('FSTAT', (reqId, raw) => {
    const handle = handleOf(raw)
    if (!handle) return sftp.status(reqId, STATUS_CODE.FAILURE)
    return statPath(reqId, handle.path)
  })
  sftp.on('STAT', statPath)
  sftp.on('LSTAT', statPath)
  // Modes and times are not modelled; accepting keeps clients that set them after a copy happy.
  sftp.on('SETSTAT', (reqId) => sftp.status(reqId, STATUS_CODE.OK))
  sftp.on('FSETSTAT', (reqId) => sftp.status(reqId, STATUS_CODE.OK))

  sftp.on('REALPATH', (reqId, raw) => {
    const path = resolve(raw)
    const stat = fs.stat(path) ?? {kind: 'dir', size: 4096, mode: 0o755, mtime: 0}
    return sftp.name(reqId, [{filename: path, longname: longListing(path, stat), attrs: attrsOf(stat)}])
  })

  sftp.on('OPENDIR', (reqId, raw) => {
    const path = resolve(raw)
    if (!fs.isDir(path)) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    return sftp.handle(reqId, newHandle({kind: 'dir', path, done: false}))
  })

  sftp.on('READDIR', (reqId, raw) => {
    const handle = handleOf(raw)
    if (handle?.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE)
    if (handle.done) return sftp.status(reqId, STATUS_CODE.EOF)
    handle.done = true
    const entries = []
    for (const name of fs.readdir(handle.path)) {
      const stat = fs.stat(posix.join(handle.path, name))
      if (stat) entries.push({filename: name, longname: longListing(name, stat), attrs: attrsOf(stat)})
    }
    if (entries.length === 0) return sftp.status(reqId, STATUS_CODE.EOF)
    return sftp.name(reqId, entries)
  })

  sftp.on('MKDIR', (reqId, raw) => attempt(reqId, () => fs.mkdir(resolve(raw))))
  sftp.on('RMDIR', (reqId, raw) => {
    const path = resolve(raw)
    if (fs.stat(path)?.kind === 'file') return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} is not a directory`)
    return attempt(reqId, () => fs.remove(path))
  })
  sftp.on('REMOVE', (reqId, raw) => {
    const path = resolve(raw)
    if (fs.isDir(path)) return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} is a directory`)
    return attempt(reqId, () => fs.remove(path))
  })
  sftp.on('RENAME', (reqId, from, to) => attempt(reqId, () => fs.rename(resolve(from), resolve(to))))

  sftp.on('CLOSE', (reqId, raw) => {
    if (raw.length !== 4 || !handles.delete(raw.readUInt32BE(0))) return sftp.status(reqId, STATUS_CODE.FAILURE)
    return sftp.status(reqId, STATUS_CODE.OK)
  })
}
