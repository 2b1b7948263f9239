import {spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

import {beforeAll, describe, expect, it} from 'vitest'

import {REPO_ROOT, runCli} from '../support/cli.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'
import {createTempHome} from '../support/temp-home.js'

interface Run {
  stdout: string
  stderr: string
  exitCode: number | null
}

/**
 * The CLI as it was before the fast path: bin/run.js's oclif branch alone, so every command,
 * `sessions` included, goes through oclif's parse, run and error handling.
 */
function runThroughOclif(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const bin = pathToFileURL(join(REPO_ROOT, 'bin', 'run.js')).href
  const script = `const {execute, settings} = await import('@oclif/core'); settings.enableAutoTranspile = false; await execute({dir: ${JSON.stringify(bin)}, args: process.argv.slice(1)})`
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], {cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (exitCode) => resolve({stdout, stderr, exitCode}))
  })
}

/** What a run showed, less the request ids the daemon draws afresh for every request. */
function seen(run: Run): Run {
  const same = (text: string) => text.replace(/req-[0-9a-f]+/g, 'req-<id>')
  return {stdout: same(run.stdout), stderr: same(run.stderr), exitCode: run.exitCode}
}

/**
 * bin/run.js runs `sessions` without oclif when its arguments are plain (src/cli/fast-path).
 * Whatever a user types, what they get must be what oclif gave: the same stdout, stderr and exit
 * code, for results and for every kind of error, through the real binary and a real daemon.
 */
describe('the fast path of the CLI binary', () => {
  // Given a daemon on the simulated market with one session that has ended (nothing in its
  // output moves with the clock any more)
  const {home, cli} = simulatedDaemonCli()
  let sessionId: string

  beforeAll(async () => {
    const offers = await cli(['inventory', '--gpu-type', 'RTX 4090', '--limit', '1', '--json'])
    const offer = offers.json<{offers: Array<{id: string}>}>().data.offers[0]!
    const created = await cli(['provision', '--offer-id', offer.id, '--consumer-id', 'fast-path', '--workload-type', 'llm', '--hours', '1', '--json'])
    expect(created.exitCode, created.stderr).toBe(0)
    sessionId = created.json<{session: {id: string}}>().data.session.id
    const released = await cli(['done', sessionId, '--wait', '--json'])
    expect(released.exitCode, released.stderr).toBe(0)
  })

  it.each([
    [['sessions', '--json']],
    [['sessions']],
    [['sessions', '--consumer-id', 'fast-path', '--status', 'stopped', '--limit=5', '--json']],
    [['sessions', '--consumer-id', 'nobody']],
    [['sessions', '--provider', 'tensordock', '--json']],
    [['sessions', '--id', '<session>', '--json']],
    [['sessions', '--id', '<session>']],
    [['sessions', '--id', 'sess-0000000000', '--json']],
    [['sessions', '--id', 'sess-0000000000']],
    [['sessions', '--limit', '0', '--json']],
    [['sessions', '--limit', '0']],
    [['sessions', '--consumer-id', ' ', '--json']],
    [['sessions', '--id', 'sess-1', '--status', 'running']],
    [['sessions', '--server', 'not a url', '--json']],
    [['sessions', '--server', 'http://127.0.0.1:1', '--json']],
  ])('`gpu-shopper %j` prints and exits as it did through oclif', async (words) => {
    const args = words.map((word) => (word === '<session>' ? sessionId : word))
    // When the same command runs through the binary (the fast path) and through oclif
    const fast = await cli(args)
    const oclif = await runThroughOclif(args, home().env)

    // Then the user sees the same thing
    expect(seen(fast)).toEqual(seen(oclif))
  })

  it('runs `sessions --json` without loading oclif at all', async () => {
    // NODE_DEBUG=module has Node name on stderr every CommonJS module it loads, oclif's included
    const debug = {...home().env, NODE_DEBUG: 'module'}
    const fast = await runCli(['sessions', '--json'], {env: debug})
    expect(fast.exitCode).toBe(0)
    expect(fast.json().ok).toBe(true)
    expect(fast.stderr).not.toContain('@oclif/core')
    const help = await runCli(['sessions', '--help'], {env: debug})
    expect(help.stderr).toContain('@oclif/core')
  })

  it('still answers --help, a bad value and an argument through oclif', async () => {
    for (const args of [['sessions', '--help'], ['sessions', '--status', 'bogus', '--json'], ['sessions', 'extra']]) {
      const fast = await cli(args)
      expect(seen(fast)).toEqual(seen(await runThroughOclif(args, home().env)))
    }
  })

  it('works with a compile cache directory that cannot be created', async () => {
    // Given a home whose cache directory is blocked by a file (Node 22+ would keep its compile cache there)
    const blocked = await createTempHome()
    try {
      await writeFile(join(blocked.home, 'cache'), 'not a directory')
      // When the CLI starts, on the fast path and on oclif's
      const version = await runCli(['--version'], {env: blocked.env})
      const status = await runCli(['daemon', 'status', '--json'], {env: blocked.env})

      // Then nothing is said about the cache and each command does its job
      expect(version.exitCode).toBe(0)
      expect(version.stdout).toMatch(/^gpu-shopper\/\S+ /)
      expect(version.stderr).toBe('')
      expect(status.exitCode).toBe(5)
      expect(status.json().error).toMatchObject({error_type: 'daemon_not_running'})
      expect(status.stderr).toBe('')
    } finally {
      await blocked.cleanup()
    }
  })
})
