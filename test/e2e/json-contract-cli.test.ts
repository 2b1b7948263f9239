import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {mkdir, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {manifestCommands} from '../../scripts/json-schemas.js'
import {generateSessionKeyPair} from '../../src/ssh/keys.js'
import {type CliResult, REPO_ROOT, runCli} from '../support/cli.js'
import {jsonContract} from '../support/json-contract.js'
import {startLoopbackSshd} from '../support/loopback-sshd.js'
import {pollUntil} from '../support/poll.js'
import {startTeamServer} from '../support/team-server.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'
import {deviceFlowTokens, startTestIdp} from '../support/test-idp.js'

/**
 * `--json` is a contract: every command, run for real through the binary against one
 * `daemon start --simulate`, prints an envelope and data that follow the checked-in files under
 * schemas/ (read by a JSON Schema validator, as a user's script would). When this fails, either
 * the output changed by mistake, or the zod schema must change with it (then `npm run schemas`).
 */
describe('--json output follows the checked-in schemas', () => {
  const contract = jsonContract()
  const exercised = new Set<string>()
  let home: TempHome
  let env: NodeJS.ProcessEnv
  let demo: Promise<CliResult>
  const cli = (...args: string[]) => runCli(args, {env, timeoutMs: 90_000})

  /** `gpu-shopper <args> --json` for command `commandId`, held to its schema; its data. */
  const data = async <T = any>(commandId: string, ...args: string[]): Promise<T> => {
    const result = await cli(...args, '--json')
    const envelope = result.json<T>()
    if (!envelope.ok || result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
    contract.check(commandId, envelope)
    exercised.add(commandId)
    return envelope.data
  }
  /** The same for a command expected to fail: its error, the envelope held to its schema. */
  const failure = async (commandId: string, ...args: string[]) => {
    const result = await cli(...args, '--json')
    const envelope = result.json()
    expect(envelope.ok, `gpu-shopper ${args.join(' ')} was expected to fail`).toBe(false)
    contract.check(commandId, envelope)
    return envelope.error!
  }

  beforeAll(async () => {
    home = await createTempHome()
    const userHome = join(home.home, 'user-home')
    await mkdir(userHome, {recursive: true})
    // HOME is ours so `ssh-config` writes a throwaway ~/.ssh; no display so `connect --mode terminal` opens no browser.
    env = {...home.env, HOME: userHome}
    delete env.DISPLAY
    delete env.WAYLAND_DISPLAY
    // The demo runs its own daemon in its own home: it overlaps with the rest instead of adding to it.
    demo = runCli(['demo', '--json'], {env, timeoutMs: 120_000})
    // Awaited by its own test below; until then a failure to spawn must not count as unhandled.
    demo.catch(() => undefined)
  })

  afterAll(async () => {
    if (home) await cli('daemon', 'stop')
    await home?.cleanup()
  })

  it('daemon: start, status, token, logs', async () => {
    expect(await data('daemon:start', 'daemon', 'start', '--simulate', '--port', '0')).toMatchObject({already_running: false, simulated: true})
    const [status, token, logs] = await Promise.all([
      data('daemon:status', 'daemon', 'status'),
      data('daemon:token', 'daemon', 'token'),
      data('daemon:logs', 'daemon', 'logs', '--lines', '5'),
    ])
    expect(status).toMatchObject({running: true, healthy: true})
    expect(token.token).toEqual(expect.any(String))
    expect(logs.lines.length).toBeGreaterThan(0)
  })

  it('the market: inventory, its price history, the catalog (also as bare --output json)', async () => {
    expect((await data('inventory', 'inventory', '--limit', '5')).offers.length).toBeGreaterThan(0)
    const history = await pollUntil(async () => {
      const reply = await data('inventory:history', 'inventory', 'history', '--gpu-type', 'RTX 4090')
      return reply.points.length > 0 ? reply : undefined
    }, 'a price history point of the RTX 4090', 30_000, 500)
    expect(history.gpu_type).toBe('RTX 4090')
    expect((await data('catalog:list', 'catalog', 'list')).items.length).toBeGreaterThan(0)
    const templates = (await data('templates:list', 'templates', 'list')).templates as {id: string}[]
    expect(templates.length).toBeGreaterThan(0)
    expect((await data('templates:show', 'templates', 'show', templates[0]!.id)).id).toBe(templates[0]!.id)
    expect((await data('inventory:health', 'inventory', 'health')).window_days).toBe(7)

    const bare = await cli('catalog', 'list', '--output', 'json')
    expect(bare.exitCode, bare.stderr).toBe(0)
    contract.checkData('catalog:list', JSON.parse(bare.stdout))
  })

  it('SSH keys: add, list, remove', async () => {
    const added = await data('ssh-keys:add', 'ssh-keys', 'add', '--title', 'contract', '--key', generateSessionKeyPair('contract').publicKey)
    expect((await data('ssh-keys:list', 'ssh-keys', 'list')).ssh_keys.map((k: any) => k.id)).toContain(added.id)
    expect(await data('ssh-keys:remove', 'ssh-keys', 'remove', added.id)).toMatchObject({id: added.id})
  })

  it('nodes: add, list, show, check, trust, remove (this machine as the node, over a loopback sshd)', async () => {
    const sshd = await startLoopbackSshd()
    try {
      const added = await data(
        'nodes:add', 'nodes', 'add', '--name', 'contract', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.user,
        '--identity-file', sshd.identityFile, '--region', 'lab', '--price-per-gpu-hour', '0.5',
      )
      expect(added.host_key_fingerprint).toBe(sshd.hostKeyFingerprint)
      expect((await data('nodes:list', 'nodes', 'list')).nodes.map((n: any) => n.name)).toEqual(['contract'])
      expect(await data('nodes:show', 'nodes', 'show', 'contract')).toMatchObject({name: 'contract'})
      expect(await data('nodes:check', 'nodes', 'check', 'contract')).toMatchObject({name: 'contract'})
      expect(await data('nodes:trust', 'nodes', 'trust', 'contract', '--host-key', sshd.hostKeyFingerprint)).toMatchObject({host_key_fingerprint: sshd.hostKeyFingerprint})
      expect(await data('nodes:remove', 'nodes', 'remove', 'contract')).toMatchObject({name: 'contract'})
    } finally {
      await sshd.stop()
    }
  })

  it('budgets: set, show, list, remove', async () => {
    await data('budgets:set', 'budgets', 'set', '--consumer-id', 'contract-budget', '--monthly-limit', '5')
    expect(await data('budgets:show', 'budgets', 'show', '--consumer-id', 'contract-budget')).toMatchObject({consumer_id: 'contract-budget'})
    expect((await data('budgets:list', 'budgets', 'list')).count).toBeGreaterThan(0)
    expect(await data('budgets:remove', 'budgets', 'remove', '--consumer-id', 'contract-budget')).toMatchObject({consumer_id: 'contract-budget'})
  })

  it('a session from provision to its costs: list, show, extend, connect, copy, ssh-config, done, costs, export', async () => {
    const created = await data('provision', 'provision', '--gpu-type', 'RTX 4090', '--consumer-id', 'contract', '--wait', '--timeout', '60')
    const id: string = created.session.id
    expect(created.session.status).toBe('running')

    await Promise.all([
      data('sessions', 'sessions', '--consumer-id', 'contract'),
      data('sessions', 'sessions', '--id', id),
      data('sessions:get', 'sessions', 'get', id),
      data('extend', 'extend', id, '--hours', '1'),
    ])
    expect(await data('connect', 'connect', id, '--print')).toMatchObject({mode: 'ssh', session_id: id})
    expect(await data('connect', 'connect', id, '--mode', 'terminal')).toMatchObject({mode: 'terminal', session_id: id})

    const local = join(home.home, 'contract.txt')
    await writeFile(local, 'the contract\n')
    expect(await data('copy', 'copy', local, `${id}:/workspace/contract.txt`)).toMatchObject({direction: 'upload', bytes: 13})
    expect((await data('ssh-config', 'ssh-config', '--yes')).hosts).toEqual([`gpu-${id}`])

    expect((await data('sessions:diagnose', 'sessions', 'diagnose', id)).ssh.reachable).toBe(true)
    expect((await data('done', 'done', id, '--wait', '--timeout', '60')).session.status).toBe('stopped')
    const exported = await data('costs:export', 'costs', 'export', '--session-id', id, '--output-file', join(home.home, 'ledger.csv'))
    expect(exported.rows.length).toBeGreaterThan(0)
    await Promise.all([
      data('costs', 'costs', '--session-id', id),
      data('costs', 'costs', '--consumer-id', 'contract', '--period', 'daily'),
      data('costs:summary', 'costs', 'summary'),
    ])
  }, 180_000)

  it('a preserved session: done keeps its disk, sessions resume runs it again, sessions destroy ends it', async () => {
    // The dearest Vast.ai offer: no other test here rents it (a Vast.ai offer is one machine).
    const [offer] = (await data('inventory', 'inventory', '--provider', 'vastai', '--sort', 'price', '--order', 'desc', '--limit', '1')).offers
    const created = await data('provision', 'provision', '--offer-id', offer.id, '--storage-policy', 'preserve', '--consumer-id', 'contract', '--wait', '--timeout', '60')
    const id: string = created.session.id
    expect((await data('done', 'done', id, '--wait', '--timeout', '60')).session.status).toBe('preserved')
    expect((await data('costs', 'costs', '--session-id', id)).by_component_micro_usd).toHaveProperty('storage')
    expect((await data('sessions:resume', 'sessions', 'resume', id, '--wait', '--timeout', '60')).status).toBe('running')
    expect(await data('shutdown', 'sessions', 'destroy', id)).toMatchObject({session_id: id})
  }, 180_000)

  it('an allocation from create to release, and a forced shutdown', async () => {
    const allocation = await data('allocations:create', 'allocations', 'create', '--sku', 'rtx-4090', '--gpus', '1', '--consumer-id', 'contract')
    expect((await data('allocations:get', 'allocations', 'get', allocation.id, '--watch', '--timeout', '60')).status).toBe('active')
    expect((await data('allocations:list', 'allocations', 'list', '--consumer-id', 'contract')).allocations.length).toBeGreaterThan(0)
    expect((await data('allocations:release', 'allocations', 'release', allocation.id, '--wait', '--timeout', '60')).status).toBe('released')

    // Forced while it is still being set up: no need to wait for it.
    const doomed = await data('provision', 'provision', '--gpu-type', 'RTX 4090', '--consumer-id', 'contract')
    expect(await data('shutdown', 'shutdown', doomed.session.id, '--yes')).toMatchObject({session_id: doomed.session.id})
  }, 180_000)

  it('reconcile, and the dashboard refusing --json', async () => {
    expect(await data('reconcile', 'reconcile', '--dry-run')).toMatchObject({mode: 'daemon', dry_run: true})
    expect((await failure('tui', 'tui')).error_type).toBe('usage_error')
    exercised.add('tui')
    // The team server runs until stopped: it has no JSON result, and says so before starting.
    expect((await failure('serve', 'serve', '--oidc-issuer', 'https://idp.example', '--oidc-audience', 'api')).error_type).toBe('usage_error')
    exercised.add('serve')
    // The solo daemon's one user is its admin: its audit log holds what this file changed.
    const audit = await data('audit', 'audit', '--limit', '5')
    expect(audit.entries.length).toBeGreaterThan(0)
  })

  it('sim start prints its URLs, then runs until Ctrl-C', async () => {
    const sim = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'sim', 'start', '--port', '0', '--tensordock-port', '0', '--json'], {env, stdio: ['ignore', 'pipe', 'pipe']})
    const exited = new Promise((resolve) => sim.on('close', resolve))
    try {
      let out = ''
      sim.stdout.on('data', (chunk) => (out += chunk))
      // The envelope spans several lines: wait until stdout holds a whole document.
      const envelope = await pollUntil(() => JSON.parse(out) as {ok: boolean; data: {vastai_url: string}}, 'sim start to print its URLs', 30_000)
      contract.check('sim:start', envelope)
      exercised.add('sim:start')
      expect(envelope.data.vastai_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    } finally {
      sim.kill('SIGINT')
      await exited
    }
  })

  it('demo walks the journey on its own simulated market', async () => {
    const result = await demo
    expect(result.exitCode, result.stderr).toBe(0)
    contract.check('demo', result.json())
    exercised.add('demo')
  }, 120_000)

  it('auth: login with a token, status, token and logout against a team server and its IdP', async () => {
    const idp = await startTestIdp()
    const serverData = mkdtempSync(join(tmpdir(), 'gpu-shopper-contract-team-'))
    const server = await startTeamServer(idp, serverData)
    try {
      // No keychain on D-Bus here: the login goes to the credentials file.
      const authEnv = {...env}
      delete authEnv.DBUS_SESSION_BUS_ADDRESS
      delete authEnv.XDG_RUNTIME_DIR
      const auth = async <T = any>(commandId: string, args: string[], input?: string): Promise<T> => {
        const result = await runCli([...args, '--server', server.url, '--json'], {env: authEnv, input})
        const envelope = result.json<T>()
        if (!envelope.ok) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
        contract.check(commandId, envelope)
        exercised.add(commandId)
        return envelope.data
      }
      const {access_token: token} = await deviceFlowTokens(idp, 'bob')
      expect(await auth('auth:login', ['auth', 'login', '--with-token'], token)).toMatchObject({flow: 'token', user: 'bob', store: 'file'})
      expect(await auth('auth:status', ['auth', 'status'])).toMatchObject({user: 'bob', source: 'file'})
      expect(await auth('auth:token', ['auth', 'token'])).toMatchObject({token})
      expect(await auth('auth:logout', ['auth', 'logout'])).toMatchObject({was_logged_in: true, deleted_from: ['file']})
    } finally {
      await server.stop()
      await idp.stop()
      rmSync(serverData, {recursive: true, force: true, maxRetries: 10})
    }
  })

  it('daemon stop', async () => {
    expect(await data('daemon:stop', 'daemon', 'stop')).toMatchObject({stopped: true})
  })

  it('covers every command', async () => {
    const ids = (await manifestCommands()).map((c) => c.id)
    expect(ids.filter((id) => !exercised.has(id)), 'commands whose --json output no test above held to its schema').toEqual([])
  })
})
