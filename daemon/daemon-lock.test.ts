import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {startDaemon, stopDaemon} from '../src/client/daemon-process.js'
import {isProcessAlive} from '../src/client/daemon-state.js'
import {REPO_ROOT} from '../test/support/cli.js'
import {pollUntil} from '../test/support/poll.js'
import {createTempHome} from '../test/support/temp-home.js'
import {identityOf} from '../src/config/process-identity.js'
import {acquireDaemonLock} from './daemon-lock.js'

const onLinux = existsSync('/proc/self/stat')

/** Real processes that are not gpu-shopper daemons, to hold the pid a stale lock names. */
describe.runIf(onLinux)('daemon lock against pid reuse and kill -9', () => {
  let dataDir: string
  const children: ChildProcess[] = []
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gpu-shopper-lock-'))
  })
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dataDir, {recursive: true, force: true})
  })

  function spawnTracked(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'inherit']})
    children.push(child)
    return child
  }

  async function firstLine(child: ChildProcess): Promise<string> {
    let out = ''
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
    return pollUntil(() => (out.includes('\n') ? out.split('\n')[0]!.trim() : undefined), 'first line of a child', 20_000)
  }

  const lockFile = () => join(dataDir, 'daemon.lock')

  it('takes over a bare-pid lock whose pid now belongs to another program', () => {
    const stranger = spawnTracked('sleep', ['600'])
    writeFileSync(lockFile(), String(stranger.pid))
    const release = acquireDaemonLock(dataDir)
    expect(JSON.parse(readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid)
    release()
    expect(existsSync(lockFile())).toBe(false)
  })

  it('takes over a lock whose pid lives but started at another time than the owner it names', () => {
    const stranger = spawnTracked('sleep', ['600'])
    const identity = identityOf(stranger.pid!)!
    writeFileSync(lockFile(), JSON.stringify({...identity, start: String(Number(identity.start) - 1)}))
    acquireDaemonLock(dataDir)()
  })

  it('takes over the lock of an owner killed with -9 and left a zombie nobody reaps', async () => {
    // sh execs a sleep that never waits for the child sh started: the child stays a zombie.
    const parent = spawnTracked('sh', ['-c', 'sleep 0 & echo $!; exec sleep 600'])
    const zombie = Number(await firstLine(parent))
    await pollUntil(() => (readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z ') ? true : undefined), 'the zombie')
    writeFileSync(lockFile(), String(zombie))
    acquireDaemonLock(dataDir)()
    // and the CLI, reading the state file a killed daemon left, does not take it for a live one.
    expect(isProcessAlive(zombie)).toBe(false)
  })

  it('still refuses while the recorded owner runs', async () => {
    const script = `import('./daemon/daemon-lock.ts').then((m) => { m.acquireDaemonLock(${JSON.stringify(dataDir)}); console.log('locked'); setInterval(() => {}, 1e6) })`
    const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit']})
    children.push(owner)
    expect(await firstLine(owner)).toBe('locked')
    expect(() => acquireDaemonLock(dataDir)).toThrow(new RegExp(`another gpu-shopper daemon \\(pid ${owner.pid}\\) already owns`))
    owner.kill('SIGKILL')
    await pollUntil(() => (owner.exitCode !== null || owner.signalCode !== null ? true : undefined), 'the owner to die')
    acquireDaemonLock(dataDir)()
  })

  it('lets `daemon start` start over the lock and state file of a killed daemon whose pid was reused', async () => {
    // Given what a daemon killed with -9 leaves behind, naming a pid that now runs something else,
    const stranger = spawnTracked('sleep', ['600'])
    const home = await createTempHome()
    try {
      mkdirSync(join(home.home, 'data'), {recursive: true})
      mkdirSync(join(home.home, 'state'), {recursive: true})
      writeFileSync(join(home.home, 'data', 'daemon.lock'), String(stranger.pid))
      writeFileSync(home.stateFile, JSON.stringify({pid: stranger.pid, url: 'http://127.0.0.1:1', token: 't', version: '0.0.1'}))
      // When the daemon is started as the CLI starts it,
      const state = await startDaemon({env: home.env, port: 0, simulate: true, command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'daemon', 'main.ts')]})
      // Then it runs and owns the lock.
      expect(state.pid).not.toBe(stranger.pid)
      expect(JSON.parse(readFileSync(join(home.home, 'data', 'daemon.lock'), 'utf8')).pid).toBe(state.pid)
      await stopDaemon({env: home.env})
    } finally {
      await home.cleanup()
    }
  }, 60_000)
})
