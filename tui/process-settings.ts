import {setFlagsFromString} from 'node:v8'

/**
 * What the dashboard's process is set to, in one place: `gpu-shopper tui` applies it, and the
 * TUI bench applies it too, so the bench measures what a person runs.
 */

/**
 * Ink redraws at most this often. Its default (30) defers a frame asked for within 33 ms of the
 * previous one to the end of that window, so a key typed just after the status line's
 * once-a-second tick waited up to 33 ms; at 60 it waits at most 17. Key repeat still draws
 * at most 60 frames a second.
 */
export const MAX_FPS = 60

/**
 * The old generation is collected once it has grown by half over what was live after the last
 * collection. The young generation is left to V8: frozen at 16 MB (`--semi-space-growth-factor=1`)
 * it saved another 16 MiB, but V8 shrinks it to 1 MB when the process sits idle (while ssh has
 * the terminal) and it could then never grow back: every frame would take a dozen collections.
 */
export const HEAP_FLAGS = ['--heap-growing-percent=50'] as const

/**
 * Holds the heap near what the dashboard keeps. It keeps ~25 MB live (Ink, React, the market's
 * columns) while Ink makes ~10 MB of short-lived garbage per frame (an object and a few Sets
 * per terminal cell), some of which lives long enough to be promoted, and V8's defaults, made
 * for throughput, let the old generation grow to about three times what is live before
 * collecting it: after a minute of typing the process sat near 200 MiB, most of it garbage.
 * V8 reads the flag each time it sets the next collection's threshold, so it acts when set at
 * runtime (Node 20 and 22 alike); the cost is more frequent, smaller collections.
 */
export function holdHeapNearLiveSize(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag)
}
