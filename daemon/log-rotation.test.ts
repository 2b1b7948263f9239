import {existsSync, mkdirSync, statSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {followFile} from '../src/cli/flows/follow-file.js'
import {startDaemon, stopDaemon} from '../src/client/daemon-process.js'
import {DaemonStartError} from '../src/client/errors.js'
import type {DaemonState} from '../src/client/daemon-state.js'
import {readLastLogLines} from '../src/client/log-tail.js'
import {REPO_ROOT} from '../test/support/cli.js'
import {pollUntil} from '../test/support/poll.js'
import {type TempHome, createTempHome} from '../test/support/temp-home.js'

const MAX_BYTES = 16 * 1024

/** The real daemon (from source) started as the CLI starts it, logging to its rotated daemon.log. */
describe('daemon.log rotation', () => {
  let home: TempHome
  let state: DaemonState
  beforeAll(async () => {
    home = await createTempHome({GPU_SHOPPER_LOG_MAX_BYTES: String(MAX_BYTES)})
    state = await startDaemon({env: home.env, port: 0, simulate: true, command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'daemon', 'main.ts')]})
  }, 60_000)
  afterAll(async () => {
    await stopDaemon({env: home.env}).catch(() => undefined)
    await home?.cleanup()
  })

  it('stays within a few files of bounded size while `daemon logs --follow` sees every request', async () => {
    // Given a follower of daemon.log from its current end,
    let followed = ''
    const stop = new AbortController()
    const following = followFile(home.logFile, statSync(home.logFile).size, (text) => (followed += text), stop.signal, 50)
    // When enough requests are made to rotate the log several times,
    const ids: string[] = []
    for (let i = 0; i < 250; i++) {
      const res = await fetch(`${state.url}/api/v1/sessions?limit=1`, {headers: {authorization: `Bearer ${state.token}`}})
      ids.push(res.headers.get('x-request-id')!)
      await res.arrayBuffer()
    }
    // Then no file outgrew the limit by more than a line, at most four old files were kept,
    // (a rotation renames the files one by one: read the sizes once none is missing)
    const files = [home.logFile, ...[1, 2, 3, 4].map((n) => `${home.logFile}.${n}`)]
    const sizes = await pollUntil(() => files.map((file) => statSync(file).size), 'four rotations')
    expect(existsSync(`${home.logFile}.5`)).toBe(false)
    for (const size of sizes) expect(size).toBeLessThan(MAX_BYTES + 2048)
    // the follower saw every request's completion once,
    const completions = () =>
      followed
        .split('\n')
        .filter((l) => l.endsWith('}'))
        .map((l) => JSON.parse(l) as {reqId?: string; msg?: string})
        .filter((l) => l.msg === 'request completed')
        .map((l) => l.reqId)
    // (its line is written after the request's first one: wait for the completion itself)
    await pollUntil(() => (completions().includes(ids.at(-1)!) ? true : undefined), 'the last request completed in the followed log')
    stop.abort()
    await following
    const completed = completions()
    // (the start-up health probes may be logged in the same stretch)
    expect(completed.filter((id) => id && ids.includes(id))).toEqual(ids)
    // and `daemon logs` shows the last lines even right after a rotation.
    const last = await readLastLogLines(home.logFile, 10)
    expect(last).toHaveLength(10)
    for (const line of last) expect(() => JSON.parse(line)).not.toThrow()
  }, 60_000)
})

describe('a start that fails right after the log rotated', () => {
  it('still reports the lines the daemon printed', async () => {
    // Given a daemon.log already over the limit (the new daemon rotates it as it opens it)
    const home = await createTempHome({GPU_SHOPPER_LOG_MAX_BYTES: String(MAX_BYTES)})
    const taken = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      mkdirSync(join(home.home, 'state'), {recursive: true})
      writeFileSync(home.logFile, `${JSON.stringify({msg: 'an old line', filler: 'z'.repeat(100)})}\n`.repeat(200))
      // When it cannot listen,
      const port = (taken.address() as {port: number}).port
      const err = await startDaemon({env: home.env, port, simulate: true, command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'daemon', 'main.ts')]}).catch(
        (e: unknown) => e,
      )
      // Then the error carries why, though daemon.log is a new file by now.
      expect(err).toBeInstanceOf(DaemonStartError)
      expect(existsSync(`${home.logFile}.1`)).toBe(true)
      expect((err as DaemonStartError).logTail.join('\n')).toContain('the port is taken')
    } finally {
      taken.close()
      await home.cleanup()
    }
  }, 60_000)
})
