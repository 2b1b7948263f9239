import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {withFileLock, type FileLockOptions} from './file-lock.js'

describe('withFileLock', () => {
  let dir: string
  let lockFile: string
  const options: FileLockOptions = {staleMs: 60_000, waitMs: 60_000, pollMs: 5, onTimeout: 'take-over'}
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-lock-'))
    lockFile = join(dir, 'sub', 'x.lock')
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('runs holders one at a time and removes the lock after', async () => {
    const order: string[] = []
    let release: () => void = () => {}
    const first = withFileLock(lockFile, options, async () => {
      order.push('first in')
      await new Promise<void>((resolve) => (release = resolve))
      order.push('first out')
    })
    const second = withFileLock(lockFile, options, async () => {
      order.push('second in')
    })
    // The second waits while the first holds the lock: the final order shows it never got in between.
    await expect.poll(() => order).toEqual(['first in'])
    expect(existsSync(lockFile)).toBe(true)
    release()
    await Promise.all([first, second])
    expect(order).toEqual(['first in', 'first out', 'second in'])
    expect(existsSync(lockFile)).toBe(false)
  })

  it('takes over a lock whose owner is dead', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!
    await withFileLock(lockFile, options, async () => undefined)
    writeFileSync(lockFile, String(dead))
    expect(await withFileLock(lockFile, {...options, waitMs: 0, onTimeout: () => new Error('timed out')}, async () => 'ran')).toBe('ran')
  })

  it("gives up with the caller's error when a live owner holds it past the deadline", async () => {
    await withFileLock(lockFile, options, async () => {
      await expect(withFileLock(lockFile, {...options, waitMs: 20, onTimeout: (file) => new Error(`held: ${file}`)}, async () => 'ran')).rejects.toThrow(`held: ${lockFile}`)
    })
  })
})
