import {open, stat} from 'node:fs/promises'

// Enough for a few dozen JSON log lines; we never read a whole multi-megabyte log to show 20 lines.
const CHUNK_BYTES = 64 * 1024

/** The last `count` lines of a file written from byte `fromOffset` on; [] when it does not exist. */
export async function readLastLines(file: string, count: number, fromOffset = 0): Promise<string[]> {
  if (count <= 0) return []
  let size: number
  try {
    size = (await stat(file)).size
  } catch {
    return []
  }
  const start = Math.max(fromOffset, size - CHUNK_BYTES * Math.max(1, Math.ceil(count / 200)))
  if (start >= size) return []
  const handle = await open(file, 'r')
  try {
    const buffer = Buffer.alloc(size - start)
    await handle.read(buffer, 0, buffer.length, start)
    const lines = buffer.toString('utf8').split(/\r?\n/)
    if (lines.at(-1) === '') lines.pop()
    // The first line may be cut when we did not start at the file's (or this run's) beginning.
    if (start > fromOffset && lines.length > count) lines.shift()
    return lines.slice(-count)
  } finally {
    await handle.close()
  }
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size
  } catch {
    return 0
  }
}
