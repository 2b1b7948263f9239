import {posix} from 'node:path'

import ssh2, {type Attributes, type SFTPWrapper} from 'ssh2'

const {OPEN_MODE, STATUS_CODE} = ssh2.utils.sftp

/** Keeps a simulator's memory bounded whatever a test or a user uploads. */
const MAX_TOTAL_BYTES = 256 * 1024 * 1024

interface MemoryFile {
  data: Buffer
  size: number
  mtime: number
}

/**
 * One simulated machine's disk: files in memory, so `copy` can be tested end to end without
 * touching the host's filesystem. Directories exist when created or when a file is in them.
 */
export interface MemoryFs {
  files: Map<string, MemoryFile>
  dirs: Set<string>
}

export function createMemoryFs(): MemoryFs {
  return {files: new Map(), dirs: new Set(['/', '/root', '/home', '/home/user', '/tmp', '/workspace'])}
}

type Handle = {kind: 'file'; path: string} | {kind: 'dir'; path: string; done: boolean}

const nowSeconds = () => Math.floor(Date.now() / 1000)

function fileAttrs(file: MemoryFile): Attributes {
  return {mode: 0o100644, uid: 0, gid: 0, size: file.size, atime: file.mtime, mtime: file.mtime}
}

function dirAttrs(): Attributes {
  const t = nowSeconds()
  return {mode: 0o040755, uid: 0, gid: 0, size: 4096, atime: t, mtime: t}
}

function longname(name: string, attrs: Attributes): string {
  const type = (attrs.mode & 0o040000) !== 0 ? 'd' : '-'
  return `${type}rw-r--r--    1 root     root     ${String(attrs.size).padStart(8)} Jan  1 00:00 ${name}`
}

/** Answers the SFTP requests `copy` (and sftp/scp -s clients) need, over the in-memory disk. */
export function serveSftp(sftp: SFTPWrapper, fs: MemoryFs, home: string): void {
  const handles = new Map<number, Handle>()
  let nextHandle = 1
  const resolve = (path: string) => posix.resolve(home, path || '.')
  const totalBytes = () => {
    let total = 0
    for (const file of fs.files.values()) total += file.data.length
    return total
  }
  const handleOf = (buffer: Buffer): Handle | undefined => (buffer.length === 4 ? handles.get(buffer.readUInt32BE(0)) : undefined)
  const newHandle = (handle: Handle): Buffer => {
    const id = nextHandle++
    handles.set(id, handle)
    const buffer = Buffer.alloc(4)
    buffer.writeUInt32BE(id, 0)
    return buffer
  }
  const statPath = (reqId: number, raw: string) => {
    const path = resolve(raw)
    const file = fs.files.get(path)
    if (file) return sftp.attrs(reqId, fileAttrs(file))
    if (fs.dirs.has(path)) return sftp.attrs(reqId, dirAttrs())
    return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
  }

  sftp.on('OPEN', (reqId, filename, flags) => {
    const path = resolve(filename)
    if (fs.dirs.has(path)) return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} is a directory`)
    const existing = fs.files.get(path)
    if (flags & OPEN_MODE.WRITE || flags & OPEN_MODE.CREAT) {
      if (!fs.dirs.has(posix.dirname(path))) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
      if (existing && flags & OPEN_MODE.EXCL) return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} exists`)
      if (!existing && !(flags & OPEN_MODE.CREAT)) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
      if (!existing || flags & OPEN_MODE.TRUNC) fs.files.set(path, {data: Buffer.alloc(0), size: 0, mtime: nowSeconds()})
    } else if (!existing) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    return sftp.handle(reqId, newHandle({kind: 'file', path}))
  })

  sftp.on('WRITE', (reqId, raw, offset, data) => {
    const handle = handleOf(raw)
    const file = handle?.kind === 'file' ? fs.files.get(handle.path) : undefined
    if (!file) return sftp.status(reqId, STATUS_CODE.FAILURE)
    const end = offset + data.length
    if (end > file.data.length) {
      if (totalBytes() + end - file.data.length > MAX_TOTAL_BYTES) return sftp.status(reqId, STATUS_CODE.FAILURE, 'simulated disk full')
      // Grow by doubling: parallel uploads write many chunks, and copying on each would be quadratic.
      const grown = Buffer.alloc(Math.max(end, file.data.length * 2))
      file.data.copy(grown, 0, 0, file.size)
      file.data = grown
    }
    data.copy(file.data, offset)
    file.size = Math.max(file.size, end)
    file.mtime = nowSeconds()
    return sftp.status(reqId, STATUS_CODE.OK)
  })

  sftp.on('READ', (reqId, raw, offset, length) => {
    const handle = handleOf(raw)
    const file = handle?.kind === 'file' ? fs.files.get(handle.path) : undefined
    if (!file) return sftp.status(reqId, STATUS_CODE.FAILURE)
    if (offset >= file.size) return sftp.status(reqId, STATUS_CODE.EOF)
    return sftp.data(reqId, file.data.subarray(offset, Math.min(file.size, offset + length)))
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
    const file = fs.files.get(path)
    const attrs = file ? fileAttrs(file) : dirAttrs()
    return sftp.name(reqId, [{filename: path, longname: longname(path, attrs), attrs}])
  })

  sftp.on('OPENDIR', (reqId, raw) => {
    const path = resolve(raw)
    if (!fs.dirs.has(path)) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    return sftp.handle(reqId, newHandle({kind: 'dir', path, done: false}))
  })

  sftp.on('READDIR', (reqId, raw) => {
    const handle = handleOf(raw)
    if (!handle || handle.kind !== 'dir') return sftp.status(reqId, STATUS_CODE.FAILURE)
    if (handle.done) return sftp.status(reqId, STATUS_CODE.EOF)
    handle.done = true
    const entries = []
    for (const dir of fs.dirs) {
      if (dir !== handle.path && posix.dirname(dir) === handle.path) entries.push({filename: posix.basename(dir), longname: longname(posix.basename(dir), dirAttrs()), attrs: dirAttrs()})
    }
    for (const [path, file] of fs.files) {
      if (posix.dirname(path) === handle.path) entries.push({filename: posix.basename(path), longname: longname(posix.basename(path), fileAttrs(file)), attrs: fileAttrs(file)})
    }
    if (entries.length === 0) return sftp.status(reqId, STATUS_CODE.EOF)
    return sftp.name(reqId, entries)
  })

  sftp.on('MKDIR', (reqId, raw) => {
    const path = resolve(raw)
    if (fs.dirs.has(path) || fs.files.has(path)) return sftp.status(reqId, STATUS_CODE.FAILURE, `${path} exists`)
    if (!fs.dirs.has(posix.dirname(path))) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    fs.dirs.add(path)
    return sftp.status(reqId, STATUS_CODE.OK)
  })

  sftp.on('REMOVE', (reqId, raw) => {
    const path = resolve(raw)
    if (!fs.files.delete(path)) return sftp.status(reqId, STATUS_CODE.NO_SUCH_FILE)
    return sftp.status(reqId, STATUS_CODE.OK)
  })

  sftp.on('CLOSE', (reqId, raw) => {
    if (raw.length !== 4 || !handles.delete(raw.readUInt32BE(0))) return sftp.status(reqId, STATUS_CODE.FAILURE)
    return sftp.status(reqId, STATUS_CODE.OK)
  })
}
