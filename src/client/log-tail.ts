import {type FileHandle, open, stat} from 'node:fs/promises'

// Enough for a few dozen JSON log lines; we never read a whole multi-megabyte log to show 20 lines.
const CHUNK_BYTES = 64 * 1024

/**
 * The last `count` lines of a file written from byte `fromOffset` on; [] when it does not exist.
 * Given an open handle instead of a path, reads that file even if it was rotated away meanwhile.
 */
export async function readLastLines(file: string | FileHandle, count: number, fromOffset = 0): Promise<string[]> {
  if (count <= 0) return []
  let size: number
  try {
    size = (typeof file === 'string' ? await stat(file) : await file.stat()).size
  } catch {
    return []
  }
  const start = Math.max(fromOffset, size - CHUNK_BYTES * Math.max(1, Math.ceil(count / 200)))
  if (start >= size) return []
  const handle = typeof file === 'string' ? await open(file, 'r') : file
  try {
    const buffer = Buffer.alloc(size - start)
    await handle.read(buffer, 0, buffer.length, start)
    const lines = buffer.toString('utf8').split(/\r?\n/)
    if (lines.at(-1) === '') lines.pop()
    // The first line may be cut when we did not start at the file's (or this run's) beginning.
    if (start > fromOffset && lines.length > count) lines.shift()
    return lines.slice(-count)
  } finally {
    if (handle !== file) await handle.close()
  }
}

/**
 * The last `count` lines of a rotated log: from `file`, then from `file.1` when the current one
 * holds fewer, as just after a rotation.
 */
export async function readLastLogLines(file: string, count: number): Promise<string[]> {
  const current = await readLastLines(file, count)
  if (current.length >= count) return current
  const previous = await readLastLines(`${file}.1`, count - current.length)
  return [...previous, ...current]
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch {
    return 0
  }
}
