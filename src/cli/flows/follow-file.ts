import {type FileHandle, open, stat} from 'node:fs/promises'
import {setTimeout as delay} from 'node:timers/promises'

/**
 * `tail -F` for one file: writes what is appended from `fromOffset` on until the signal aborts.
 * Polls the size (fs.watch misses appends on some filesystems). A rotation renames the file
 * away and starts a new one under the same name: the renamed file is read to its end through
 * the handle still open on it, then the new file from its start, so no line is lost or repeated.
 * A file truncated in place is read again from its start.
 */
export async function followFile(file: string, fromOffset: number, write: (text: string) => void, signal: AbortSignal, pollMs = 250): Promise<void> {
  let current: {handle: FileHandle; ino: number} | null = null
  let offset = fromOffset
  const drain = async (handle: FileHandle) => {
    const {size} = await handle.stat()
    if (size < offset) offset = 0
    if (size <= offset) return
    const buffer = Buffer.alloc(size - offset)
    const {bytesRead} = await handle.read(buffer, 0, buffer.length, offset)
    offset += bytesRead
    if (bytesRead > 0) write(buffer.subarray(0, bytesRead).toString('utf8'))
  }
  try {
    while (!signal.aborted) {
      const onDisk = await stat(file).catch(() => null)
      if (current && onDisk && onDisk.ino !== current.ino) {
        // Rotated: finish the old file, then any newer rotated ones it missed between two polls
        // (file.2 is older than file.1), then follow the new one from its start.
        await drain(current.handle)
        await current.handle.close()
        for (const missed of await newerRotations(file, current.ino)) {
          offset = 0
          const handle = await open(missed, 'r').catch(() => null)
          if (!handle) continue
          await drain(handle).finally(() => handle.close())
        }
        current = null
        offset = 0
      }
      if (!current && onDisk) {
        const handle = await open(file, 'r').catch(() => null)
        if (handle) current = {handle, ino: (await handle.stat()).ino}
      }
      if (current) await drain(current.handle)
      await delay(pollMs, undefined, {signal}).catch(() => {})
    }
  } finally {
    await current?.handle.close()
  }
}

/** How many rotated files (`file.1`, `file.2`, ...) are looked through for one the follower missed. */
const MAX_ROTATIONS_SEARCHED = 10

/** The rotated files newer than the one with inode `ino`, oldest first; none when it is not found. */
async function newerRotations(file: string, ino: number): Promise<string[]> {
  for (let k = 1; k <= MAX_ROTATIONS_SEARCHED; k++) {
    const rotated = await stat(`${file}.${k}`).catch(() => null)
    if (!rotated) return []
    if (rotated.ino === ino) return Array.from({length: k - 1}, (_, j) => `${file}.${k - 1 - j}`)
  }
  return []
}
