import {posix} from 'node:path'

/** A filesystem error with the errno name a shell or an SFTP client maps to its own message. */
export class FsError extends Error {
  constructor(
    readonly code: 'ENOENT' | 'EEXIST' | 'ENOTDIR' | 'EISDIR' | 'ENOTEMPTY' | 'ENOSPC' | 'EINVAL',
    readonly path: string,
  ) {
    super(`${code}: ${path}`)
  }
}

interface FileEntry {
  kind: 'file'
  /** Grows by doubling; `size` bytes of it are the file. */
  data: Buffer
  size: number
  mode: number
  mtime: number
}

interface DirEntry {
  kind: 'dir'
  mode: number
  mtime: number
}

type Entry = FileEntry | DirEntry

export interface FsStat {
  kind: 'file' | 'dir'
  size: number
  /** Permission bits only (0o644, 0o755). */
  mode: number
  /** Epoch seconds. */
  mtime: number
}

/** How the disk is written to a state file: paths with their kind, mode, time and base64 bytes. */
export interface MemoryFsJson {
  entries: [string, {kind: 'file' | 'dir'; mode: number; mtime: number; data?: string}][]
}

/**
 * Keeps a simulator's memory bounded whatever a test or a user uploads: each machine holds at
 * most this many bytes of files and this many paths, like a small disk.
 */
export const MAX_DISK_BYTES = 128 * 1024 * 1024
export const MAX_DISK_ENTRIES = 20_000

/**
 * One simulated machine's disk, in memory: the SFTP server, the exec channel and the
 * interactive shell all read and write this one, so a file uploaded with `copy` is there for
 * `cat`. Paths are absolute and normalised by the callers (resolve()).
 */
export class MemoryFs {
  private entries = new Map<string, Entry>()
  private bytes = 0
  /** Called after every change, so the simulator can persist the disk. */
  onChange: () => void = () => undefined

  constructor(
    private readonly clock: {now(): number},
    readonly maxBytes = MAX_DISK_BYTES,
  ) {
    this.entries.set('/', {kind: 'dir', mode: 0o755, mtime: this.nowS()})
  }

  /** A fresh Ubuntu-ish tree: homes for root and `user`, /tmp, /workspace (Vast's habit), /etc/os-release. */
  static standard(clock: {now(): number}, files: Record<string, string> = {}): MemoryFs {
    const fs = new MemoryFs(clock)
    for (const dir of ['/root', '/home', '/home/user', '/tmp', '/workspace', '/etc', '/usr', '/usr/bin', '/var', '/var/log']) fs.mkdir(dir, {parents: true})
    for (const [path, text] of Object.entries(files)) fs.writeFile(path, Buffer.from(text))
    return fs
  }

  static fromJSON(clock: {now(): number}, json: MemoryFsJson): MemoryFs {
    const fs = new MemoryFs(clock)
    for (const [path, e] of json.entries) {
      if (e.kind === 'dir') fs.entries.set(path, {kind: 'dir', mode: e.mode, mtime: e.mtime})
      else {
        const data = Buffer.from(e.data ?? '', 'base64')
        fs.entries.set(path, {kind: 'file', data, size: data.length, mode: e.mode, mtime: e.mtime})
        fs.bytes += data.length
      }
    }
    return fs
  }

  toJSON(): MemoryFsJson {
    return {
      entries: [...this.entries].map(([path, e]) =>
        e.kind === 'dir' ? [path, {kind: 'dir', mode: e.mode, mtime: e.mtime}] : [path, {kind: 'file', mode: e.mode, mtime: e.mtime, data: e.data.subarray(0, e.size).toString('base64')}],
      ),
    }
  }

  /** Bytes of file content stored. */
  usedBytes(): number {
    return this.bytes
  }

  stat(path: string): FsStat | null {
    const e = this.entries.get(path)
    if (!e) return null
    return {kind: e.kind, size: e.kind === 'file' ? e.size : 4096, mode: e.mode, mtime: e.mtime}
  }

  isDir(path: string): boolean {
    return this.entries.get(path)?.kind === 'dir'
  }

  readFile(path: string): Buffer {
    const e = this.entries.get(path)
    if (!e) throw new FsError('ENOENT', path)
    if (e.kind === 'dir') throw new FsError('EISDIR', path)
    return Buffer.from(e.data.subarray(0, e.size))
  }

  /** Reads up to `length` bytes at `offset`; empty at or past the end. */
  read(path: string, offset: number, length: number): Buffer {
    const e = this.entries.get(path)
    if (!e) throw new FsError('ENOENT', path)
    if (e.kind === 'dir') throw new FsError('EISDIR', path)
    return e.data.subarray(Math.min(offset, e.size), Math.min(e.size, offset + length))
  }

  /** Creates or replaces (or, with `append`, extends) a file; its directory must exist. */
  writeFile(path: string, data: Buffer, options: {append?: boolean} = {}): void {
    const existing = this.entries.get(path)
    if (existing?.kind === 'dir') throw new FsError('EISDIR', path)
    if (!existing) this.create(path)
    if (!options.append) this.truncate(path)
    this.writeAt(path, options.append ? (this.entries.get(path) as FileEntry).size : 0, data)
  }

  /** An empty file, unless it exists already. */
  create(path: string): void {
    if (this.entries.has(path)) return
    this.checkParent(path)
    this.checkRoom(0, true)
    this.entries.set(path, {kind: 'file', data: Buffer.alloc(0), size: 0, mode: 0o644, mtime: this.nowS()})
    this.changed()
  }

  truncate(path: string): void {
    const e = this.file(path)
    this.bytes -= e.size
    e.data = Buffer.alloc(0)
    e.size = 0
    e.mtime = this.nowS()
    this.changed()
  }

  /** Writes `data` at `offset` (SFTP writes chunks in any order), growing the file as needed. */
  writeAt(path: string, offset: number, data: Buffer): void {
    const e = this.file(path)
    const end = offset + data.length
    if (end > e.size) this.checkRoom(end - e.size)
    if (end > e.data.length) {
      // Grow by doubling: parallel uploads write many chunks, and copying on each would be quadratic.
      const grown = Buffer.alloc(Math.max(end, Math.min(e.data.length * 2, this.maxBytes)))
      e.data.copy(grown, 0, 0, e.size)
      e.data = grown
    }
    data.copy(e.data, offset)
    if (end > e.size) {
      this.bytes += end - e.size
      e.size = end
    }
    e.mtime = this.nowS()
    this.changed()
  }

  mkdir(path: string, options: {parents?: boolean} = {}): void {
    const existing = this.entries.get(path)
    if (existing) {
      if (options.parents && existing.kind === 'dir') return
      throw new FsError('EEXIST', path)
    }
    const parent = posix.dirname(path)
    if (options.parents && !this.entries.has(parent)) this.mkdir(parent, options)
    this.checkParent(path)
    this.checkRoom(0, true)
    this.entries.set(path, {kind: 'dir', mode: 0o755, mtime: this.nowS()})
    this.changed()
  }

  /** Names in a directory, sorted as `ls` sorts them. */
  readdir(path: string): string[] {
    const e = this.entries.get(path)
    if (!e) throw new FsError('ENOENT', path)
    if (e.kind !== 'dir') throw new FsError('ENOTDIR', path)
    const prefix = path === '/' ? '/' : path + '/'
    const names: string[] = []
    for (const key of this.entries.keys()) {
      if (key !== path && key.startsWith(prefix) && !key.slice(prefix.length).includes('/')) names.push(key.slice(prefix.length))
    }
    return names.sort((a, b) => a.localeCompare(b))
  }

  /** Removes a file, or a directory (an empty one unless `recursive`). */
  remove(path: string, options: {recursive?: boolean} = {}): void {
    const e = this.entries.get(path)
    if (!e) throw new FsError('ENOENT', path)
    if (path === '/') throw new FsError('EINVAL', path)
    if (e.kind === 'dir') {
      const inside = [...this.entries.keys()].filter((key) => key.startsWith(path + '/'))
      if (inside.length > 0 && !options.recursive) throw new FsError('ENOTEMPTY', path)
      for (const key of inside) this.drop(key)
    }
    this.drop(path)
    this.changed()
  }

  /** Moves a file or a directory tree; an existing file at `to` is replaced. */
  rename(from: string, to: string): void {
    const e = this.entries.get(from)
    if (!e) throw new FsError('ENOENT', from)
    if (from === to) return
    if (to.startsWith(from + '/')) throw new FsError('EINVAL', to)
    const target = this.entries.get(to)
    if (target?.kind === 'dir') throw new FsError('EISDIR', to)
    this.checkParent(to)
    if (target) this.drop(to)
    const moved = [...this.entries].filter(([key]) => key === from || key.startsWith(from + '/'))
    for (const [key] of moved) this.entries.delete(key)
    for (const [key, entry] of moved) this.entries.set(to + key.slice(from.length), entry)
    this.changed()
  }

  private drop(path: string): void {
    const e = this.entries.get(path)
    if (e?.kind === 'file') this.bytes -= e.size
    this.entries.delete(path)
  }

  private file(path: string): FileEntry {
    const e = this.entries.get(path)
    if (!e) throw new FsError('ENOENT', path)
    if (e.kind === 'dir') throw new FsError('EISDIR', path)
    return e
  }

  private checkParent(path: string): void {
    const parent = this.entries.get(posix.dirname(path))
    if (!parent) throw new FsError('ENOENT', path)
    if (parent.kind !== 'dir') throw new FsError('ENOTDIR', path)
  }

  private checkRoom(extraBytes: number, newEntry = false): void {
    if (this.bytes + extraBytes > this.maxBytes || (newEntry && this.entries.size >= MAX_DISK_ENTRIES)) throw new FsError('ENOSPC', '')
  }

  private nowS(): number {
    return Math.floor(this.clock.now() / 1000)
  }

  private changed(): void {
    this.onChange()
  }
}
