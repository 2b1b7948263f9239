import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateSessionKeyPair} from '../../src/ssh/keys.js'
import {REPO_ROOT, runCli} from '../support/cli.js'
import {pollUntil} from '../support/poll.js'
import {startSharedMarkets} from '../support/shared-markets.js'
import {startTeamServer, type TeamServer} from '../support/team-server.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'
import {approveDeviceLogin, startTestIdp, type TestIdp} from '../support/test-idp.js'

/** How the team server is deployed: the servers bob and alice talk to, and how to take it all down. */
interface Deployment {
  bobServer: TeamServer
  aliceServer: TeamServer
  stop(): Promise<void>
}

/** One `serve` process on its data dir's SQLite file, with its built-in simulated marketplaces. */
async function oneProcessOnSqlite(idp: TestIdp, home: string): Promise<Deployment> {
  const server = await startTeamServer(idp, home)
  return {bobServer: server, aliceServer: server, stop: () => server.stop()}
}

/**
 * Two `serve` processes on one PostgreSQL database and one pair of simulated marketplaces:
 * bob's commands go to one and alice's to the other, and either may run bob's jobs.
 */
async function twoProcessesOnPostgres(idp: TestIdp, home: string): Promise<Deployment> {
  const markets = await startSharedMarkets()
  const first = await startTeamServer(idp, home, [], null, {simulate: false, env: markets.env})
  const second = await startTeamServer(idp, home, [], null, {simulate: false, env: markets.env})
  return {
    bobServer: first,
    aliceServer: second,
    async stop() {
      await Promise.all([first.stop(), second.stop()])
      await markets.close()
    },
  }
}

/**
 * The quick start (shared/spec/gpuaas-quickstart.md) through the real binary against
 * `gpu-shopper serve` and a real IdP: log in by the device flow, browse the catalog, register an
 * SSH key, create an allocation with an idempotency key, watch it, connect, release; then the
 * tenant's admin reads in the audit log who did each step. Once against one process on SQLite,
 * once against two on PostgreSQL.
 */
describe.each([
  {name: 'one serve process on SQLite', deploy: oneProcessOnSqlite},
  {name: 'two serve processes on PostgreSQL', deploy: twoProcessesOnPostgres},
])('the quick start against a team server: $name', ({deploy}) => {
  let idp: TestIdp
  let serverHome: string
  let deployment: Deployment
  let bob: TempHome
  let alice: TempHome

  const serverOf = (home: TempHome) => (home === bob ? deployment.bobServer : deployment.aliceServer)
  /** `--server` goes before a `--` (what follows is the remote command). */
  const cli = (home: TempHome, args: string[]) => {
    const end = args.includes('--') ? args.indexOf('--') : args.length
    return runCli([...args.slice(0, end), '--server', serverOf(home).url, ...args.slice(end)], {env: {...home.env, DISPLAY: '', WAYLAND_DISPLAY: ''}, timeoutMs: 90_000})
  }
  const data = async <T = any>(home: TempHome, ...args: string[]): Promise<T> => {
    const result = await cli(home, [...args, '--json'])
    const envelope = result.json<T>()
    if (!envelope.ok || result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
    return envelope.data
  }
  /** `auth login --device`, approved at the IdP as the user would on their phone. */
  const login = async (home: TempHome, user: string) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'auth', 'login', '--server', serverOf(home).url, '--device'], {
      env: {...home.env, DISPLAY: '', WAYLAND_DISPLAY: ''},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const done = new Promise<number | null>((resolve) => child.on('close', resolve))
    const url = await pollUntil(() => /(http:\/\/127\.0\.0\.1:\d+\/device\?user_code=\S+)/.exec(stderr)?.[1], 'the device login URL', 15_000)
    await approveDeviceLogin(url, user)
    expect(await done, stderr).toBe(0)
  }

  beforeAll(async () => {
    idp = await startTestIdp()
    serverHome = mkdtempSync(join(tmpdir(), 'gpu-shopper-team-qs-'))
    deployment = await deploy(idp, serverHome)
    bob = await createTempHome()
    alice = await createTempHome()
    await Promise.all([login(bob, 'bob'), login(alice, 'alice')])
  }, 90_000)
  afterAll(async () => {
    await deployment?.stop()
    await idp?.stop()
    await bob?.cleanup()
    await alice?.cleanup()
    if (serverHome) rmSync(serverHome, {recursive: true, force: true, maxRetries: 10})
  })

  it('logs in, rents, connects and releases; the audit log names bob at every step', async () => {
    expect(await data(bob, 'auth', 'status')).toMatchObject({user: 'bob', tenant: 'acme', role: 'member'})
    const catalog = await data(bob, 'catalog', 'list')
    expect(catalog.items.map((i: any) => i.sku)).toContain('rtx-4090')

    const pair = generateSessionKeyPair('bob-laptop')
    const keyFile = join(bob.home, 'bob_ed25519')
    await writeFile(keyFile, pair.privateKey, {mode: 0o600})
    const key = await data(bob, 'iam', 'ssh-keys', 'add', '--title', 'bob laptop', '--key', pair.publicKey)

    const create = ['allocations', 'create', '--sku', 'rtx-4090', '--gpus', '1', '--ssh-key-id', key.id, '--idempotency-key', 'bob-qs-1']
    const allocation = await data(bob, ...create)
    expect((await data(bob, ...create)).id).toBe(allocation.id)
    expect((await data(bob, 'allocations', 'get', allocation.id, '--watch', '--timeout', '60')).status).toBe('active')

    const shell = await cli(bob, ['connect', allocation.id, '--identity', keyFile, '--', 'echo', 'hello from the GPU box'])
    expect(shell.exitCode, shell.stderr).toBe(0)
    expect(shell.stdout).toContain('hello from the GPU box')

    expect((await data(bob, 'allocations', 'release', allocation.id, '--wait', '--timeout', '60')).status).toBe('released')

    const audit = await data(alice, 'audit', '--user', 'bob')
    expect(audit.entries.map((e: any) => `${e.method} ${e.route} ${e.outcome}`)).toEqual([
      'POST /api/v1/iam/ssh-keys ok',
      'POST /api/v1/allocations ok',
      'POST /api/v1/allocations ok',
      'POST /api/v1/allocations/:id/release ok',
    ])
    // A member may not read it: the error says which role it takes.
    const refused = await cli(bob, ['audit'])
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toContain('admin')
    expect(refused.stderr).not.toMatch(/\n\s+at /)
  }, 180_000)
})
