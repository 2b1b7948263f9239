import {existsSync, statSync} from 'node:fs'
import {writeFile, mkdir} from 'node:fs/promises'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../../test/support/cli.js'
import {type TempHome, createTempHome} from '../../test/support/temp-home.js'
import {startDaemon, stopDaemon} from './daemon-process.js'
import {isProcessAlive, readDaemonState} from './daemon-state.js'
import {connectToDaemon} from './ensure-daemon.js'
import {DaemonStartError} from './errors.js'
import {packageVersion} from '../config/package-version.js'
import {appPaths} from '../config/paths.js'

// The stand-in keeps the real daemon's process contract: flags, state file, /health, SIGTERM.
const FAKE = [process.execPath, join(REPO_ROOT, 'test', 'support', 'fake-daemon.mjs')]

let home: TempHome | undefined
afterEach(async () => {
  await home?.cleanup()
  home = undefined
})

describe('startDaemon / stopDaemon', () => {
  it('starts a detached daemon, waits for health, and stops it cleanly', async () => {
    home = await createTempHome()

    const state = await startDaemon({env: home.env, port: 0, simulate: true, command: FAKE})

    expect(state.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(state.simulated).toBe(true)
    expect(isProcessAlive(state.pid)).toBe(true)
    expect(statSync(home.stateFile).mode & 0o777).toBe(0o600)
    expect(await fetch(`${state.url}/health`).then((r) => r.status)).toBe(200)

    const stopped = await stopDaemon({env: home.env})

    expect(stopped).toMatchObject({stopped: true, pid: state.pid})
    expect(isProcessAlive(state.pid)).toBe(false)
    expect(existsSync(home.stateFile)).toBe(false)
  })

  it('waits through a "starting" health answer', async () => {
    home = await createTempHome({FAKE_DAEMON_STARTING_MS: '600'})
    const started = Date.now()
    await startDaemon({env: home.env, port: 0, command: FAKE})
    expect(Date.now() - started).toBeGreaterThanOrEqual(500)
  })

  it('waits longer than the listen timeout for a daemon that answers it is still reconciling, up to the reconcile timeout', async () => {
    home = await createTempHome({FAKE_DAEMON_STARTING_MS: '2500'})
    const started = Date.now()
    await startDaemon({env: home.env, port: 0, command: FAKE, timeoutMs: 1500, reconcileTimeoutMs: 20_000})
    expect(Date.now() - started).toBeGreaterThanOrEqual(2400)
    await stopDaemon({env: home.env})

    const err = await startDaemon({env: home.env, port: 0, command: FAKE, timeoutMs: 1500, reconcileTimeoutMs: 1500}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DaemonStartError)
    expect((err as DaemonStartError).message).toMatch(/did not become healthy within 2 s \(still reconciling \(health says starting\)\); it was stopped/)
  })

  it('reports a daemon that dies during start-up with the lines it logged', async () => {
    home = await createTempHome({FAKE_DAEMON_FAIL: '1'})

    const err = await startDaemon({env: home.env, port: 0, command: FAKE}).catch((e: unknown) => e)

    expect(err).toBeInstanceOf(DaemonStartError)
    expect((err as DaemonStartError).message).toContain('exited during start-up')
    expect((err as DaemonStartError).logTail.join('\n')).toContain('EADDRINUSE')
    expect((err as DaemonStartError).logFile).toBe(home.logFile)
  })

  it('treats a state file whose process is gone as stale', async () => {
    home = await createTempHome()
    await mkdir(join(home.home, 'state'), {recursive: true})
    await writeFile(home.stateFile, JSON.stringify({pid: 2 ** 22 + 7, url: 'http://127.0.0.1:1', token: 't', version: '0.0.1'}))

    expect(await stopDaemon({env: home.env})).toMatchObject({stopped: false, removedStaleState: true})
    expect(existsSync(home.stateFile)).toBe(false)
  })

  it('says so when the daemon ignores SIGTERM, and kills it with force', async () => {
    home = await createTempHome({FAKE_DAEMON_HANG_SIGTERM: '1'})
    const state = await startDaemon({env: home.env, port: 0, command: FAKE})

    await expect(stopDaemon({env: home.env, timeoutMs: 300})).rejects.toThrow(/did not exit/)
    expect(await stopDaemon({env: home.env, timeoutMs: 300, force: true})).toMatchObject({stopped: true})
    expect(isProcessAlive(state.pid)).toBe(false)
    expect(existsSync(home.stateFile)).toBe(false)
  })
})

describe('connectToDaemon', () => {
  it('uses --server over GPU_SHOPPER_SERVER and takes the token from GPU_SHOPPER_TOKEN, starting nothing', async () => {
    home = await createTempHome({GPU_SHOPPER_SERVER: 'http://env.example:1', GPU_SHOPPER_TOKEN: 'tok'})

    const viaEnv = await connectToDaemon({env: home.env})
    const viaFlag = await connectToDaemon({env: home.env, server: 'https://flag.example/'})

    expect(viaEnv).toMatchObject({mode: 'remote', baseUrl: 'http://env.example:1', state: null, started: false})
    expect(viaFlag.baseUrl).toBe('https://flag.example')
    expect(existsSync(home.stateFile)).toBe(false)
  })

  it('reuses a healthy daemon of the same version', async () => {
    home = await createTempHome()
    const first = await startDaemon({env: home.env, port: 0, command: FAKE})

    const connection = await connectToDaemon({env: home.env})

    expect(connection).toMatchObject({mode: 'local', baseUrl: first.url, started: false})
    expect(connection.state?.pid).toBe(first.pid)
    expect((await connection.client.sessions.list()).count).toBe(0)
  })

  it('refuses to start one when auto-start is off', async () => {
    home = await createTempHome()
    await expect(connectToDaemon({env: home.env, autoStart: false})).rejects.toMatchObject({name: 'DaemonUnreachableError'})
  })

  it('stops a daemon of another version and starts its own', async () => {
    home = await createTempHome({FAKE_DAEMON_VERSION: '0.0.0-old'})
    const old = await startDaemon({env: home.env, port: 0, command: FAKE})
    const said: string[] = []

    const {FAKE_DAEMON_VERSION: _old, ...env} = home.env
    const connection = await connectToDaemon({env, narrate: (m) => said.push(m), daemonCommand: FAKE})

    expect(said.join('\n')).toContain('Restarting the daemon: it runs version 0.0.0-old')
    expect(isProcessAlive(old.pid)).toBe(false)
    expect(connection.started).toBe(true)
    expect(connection.state?.version).toBe(packageVersion())
    expect((await readDaemonState(appPaths(env)))?.pid).toBe(connection.state?.pid)
  })

  it('starts one daemon, not two, when two commands need it at once', async () => {
    home = await createTempHome()
    const [a, b] = await Promise.all([connectToDaemon({env: home.env, daemonCommand: FAKE}), connectToDaemon({env: home.env, daemonCommand: FAKE})])
    expect(a.state?.pid).toBe(b.state?.pid)
    expect([a.started, b.started].filter(Boolean)).toHaveLength(1)
  })
})
