import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {openLogFile} from '../../log/log-file.js'
import {pollUntil} from '../../../test/support/poll.js'
import {followFile} from './follow-file.js'

describe('followFile', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-follow-'))
  })
  afterEach(() => rmSync(dir, {recursive: true, force: true}))

  it('follows a log across its rotations without losing or repeating a line', async () => {
    // Given a follower polling every 30 ms and a writer whose file rotates every ~20 lines,
    const file = join(dir, 'daemon.log')
    const writer = openLogFile(file, {maxBytes: 1024, keep: 3})
    let followed = ''
    const stop = new AbortController()
    const following = followFile(file, 0, (text) => (followed += text), stop.signal, 30)
    writer.write(`${JSON.stringify({i: 0, filler: 'y'.repeat(20)})}\n`)
    await pollUntil(() => (followed.includes('"i":0,') ? true : undefined), 'the follower to start')
    // When 300 lines are written, the follower never more than half a rotation behind (with only
    // three old files kept, a writer free to run three rotations ahead of a slow poll would
    // legitimately lose lines; a real 10 MiB log never rotates that fast),
    for (let i = 1; i < 300; i++) {
      writer.write(`${JSON.stringify({i, filler: 'y'.repeat(20)})}\n`)
      if (i % 10 === 0) await pollUntil(() => (followed.includes(`"i":${i},`) ? true : undefined), `line ${i}`, 10_000, 5)
    }
    await new Promise<void>((resolve) => writer.end(resolve))
    // Then the follower saw every line once, in order.
    await pollUntil(() => (followed.includes('"i":299,') ? true : undefined), 'the last line', 10_000)
    stop.abort()
    await following
    const seen = followed.split('\n').filter(Boolean).map((l) => JSON.parse(l).i as number)
    expect(seen).toEqual(Array.from({length: 300}, (_, i) => i))
  })
})
