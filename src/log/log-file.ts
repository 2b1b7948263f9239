import {mkdirSync} from 'node:fs'
import {basename, dirname} from 'node:path'

import {createStream, type RotatingFileStream} from 'rotating-file-stream'

/**
 * The daemon's log file, rotated by size: `daemon.log` is renamed `daemon.log.1` (older ones
 * shift to .2, ...) once it passes `maxBytes`, and only `keep` rotated files are kept, so the
 * log takes at most about (keep + 1) × maxBytes. A log line is never split across two files.
 */
export interface LogFileOptions {
  /** Rotate once the file reaches this size. */
  maxBytes?: number
  /** Rotated files kept besides the current one. */
  keep?: number
}

/** 10 MiB × (1 + 4): ~14 000 requests' worth of lines per file, 50 MiB at most in all. */
export const DEFAULT_LOG_MAX_BYTES = 10 * 1024 * 1024
export const DEFAULT_LOG_FILES_KEPT = 4

export function openLogFile(file: string, options: LogFileOptions = {}): RotatingFileStream {
  mkdirSync(dirname(file), {recursive: true, mode: 0o700})
  const stream = createStream(basename(file), {
    path: dirname(file),
    size: `${options.maxBytes ?? DEFAULT_LOG_MAX_BYTES}B`,
    rotate: options.keep ?? DEFAULT_LOG_FILES_KEPT,
    // The log names sessions, consumers and instances: for this user only, like the state file.
    mode: 0o600,
  })
  return stream
}
