import {open, stat} from 'node:fs/promises'
import {setTimeout as delay} from 'node:timers/promises'

/**
 * `tail -f` for one file: writes what is appended from `fromOffset` on until the signal aborts.
 * Polls the size (fs.watch misses appends on some filesystems) and starts over when the file
 * shrinks, as after a rotation.
 */
export async function followFile(file: string, fromOffset: number, write: (text: string) => void, signal: AbortSignal, pollMs = 250): Promise<void> {
  let offset = fromOffset
  while (!signal.aborted) {
    const size = await stat(file).then((s) => s.size, () => 0)
    if (size < offset) offset = 0
    if (size > offset) {
      const handle = await open(file, 'r')
      try {
        const buffer = Buffer.alloc(size - offset)
        await handle.read(buffer, 0, buffer.length, offset)
        write(buffer.toString('utf8'))
        offset = size
      } finally {
        await handle.close()
      }
    }
    await delay(pollMs, undefined, {signal}).catch(() => {})
  }
}
