import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {openLogFile} from './log-file.js'
import {createLogger} from './logger.js'

describe('the daemon log file', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-log-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('rotates by size, keeps a few files, and never splits a line', async () => {
    const file = join(dir, 'daemon.log')
    const stream = openLogFile(file, {maxBytes: 4096, keep: 2})
    const log = createLogger({destination: stream})
    for (let i = 0; i < 400; i++) log.info({i, filler: 'x'.repeat(40)}, 'a line')
    await new Promise<void>((resolve) => stream.end(resolve))

    const files = [file, `${file}.1`, `${file}.2`]
    for (const f of files) expect(existsSync(f), f).toBe(true)
    expect(existsSync(`${file}.3`)).toBe(false)
    const lineBytes = Buffer.byteLength(readFileSync(file, 'utf8').split('\n')[0]!) + 1
    for (const f of files) {
      expect(statSync(f).size).toBeLessThan(4096 + lineBytes)
      expect(statSync(f).mode & 0o777).toBe(0o600)
    }
    // Oldest to newest, the kept lines are the last ones written, whole and in order.
    const kept = [...files].reverse().flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean)).map((l) => JSON.parse(l).i as number)
    expect(kept.at(-1)).toBe(399)
    expect(kept).toEqual(Array.from({length: kept.length}, (_, k) => 400 - kept.length + k))
  })
})
