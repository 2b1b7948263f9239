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
 * The young generation keeps the size it has when the dashboard starts, and the old one is
 * collected once it has grown by half over what was live after the last collection.
 */
export const HEAP_FLAGS = ['--semi-space-growth-factor=1', '--heap-growing-percent=50'] as const

/**
 * Holds the heap near what the dashboard keeps. It keeps ~25 MB live (Ink, React, the market's
 * columns) while Ink makes ~10 MB of short-lived garbage per frame (an object and a few Sets
 * per terminal cell), and V8's defaults, made for throughput, double the young generation up to
 * 32 MB and let the old one grow to about three times what is live before collecting it: after
 * a minute of typing the process sat near 200 MiB, most of it garbage, against ~130 with these.
 * V8 reads both flags each time it sizes a space, so they act when set at runtime (Node 20 and
 * 22 alike); the cost is more frequent, smaller collections.
 */
export function holdHeapNearLiveSize(): void {
  for (const flag of HEAP_FLAGS) setFlagsFromString(flag)
}
