import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createElement} from 'react'

import {createApiClient} from '../../src/client/api-client.js'
import {appPaths} from '../../src/config/paths.js'
import {Dashboard} from '../../tui/dashboard.js'
import {createTuiServices} from '../../tui/services.js'
import {renderTui} from '../../tui/test-render.js'
import {REPO_ROOT, runCli} from '../support/cli.js'
import {ensureLibvirtHost, leftoversOf, TEST_BASE_IMAGE} from '../support/libvirt-host.js'
import {startLoopbackSshd, type LoopbackSshd} from '../support/loopback-sshd.js'
import {pollUntil} from '../support/poll.js'
import {openTerminalClient} from '../support/terminal-client.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'

/**
 * A self-hosted node end to end, all of it real: this machine is the node, reached through a
 * real OpenSSH server on loopback; a real libvirtd makes a real Debian guest (built by
 * scripts/build-test-guest.sh) boot with real cloud-init, on the `default` NAT network.
 *
 * What this machine cannot do is said in the names: it has no GPU and no IOMMU, so only a
 * CPU-only slice is made (GPU passthrough itself is not exercised), and its KVM stops guests
 * with an internal error, so the node runs slices under TCG (`--virt-type qemu`), which is
 * why a boot takes minutes.
 */
const BOOT_MS = 12 * 60_000

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('self-hosted node on this machine (no GPU, no IOMMU, TCG: CPU-only slice)', () => {
  let sshd: LoopbackSshd
  let home: TempHome
  let deploymentId: string
  let sessionId: string
  const cli = (args: string[], timeoutMs = 120_000, env: NodeJS.ProcessEnv = {}) => runCli(args, {env: {...home.env, ...env}, timeoutMs})
  const ok = async (args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv) => {
    const result = await cli(args, timeoutMs, env)
    if (result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}):\n${result.stdout}${result.stderr}`)
    return result
  }
  const data = async <T = any>(args: string[], timeoutMs?: number, env?: NodeJS.ProcessEnv) => (await ok([...args, '--json'], timeoutMs, env)).json<T>().data
  /** The daemon's API as the CLI reaches it, with its token from the state file. */
  const api = async (path: string, method = 'GET') => {
    const state = JSON.parse(readFileSync(home.stateFile, 'utf8')) as {url: string; token: string}
    const res = await fetch(`${state.url}${path}`, {method, headers: {authorization: `Bearer ${state.token}`}})
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
    return (await res.json()) as any
  }

  beforeAll(async () => {
    ensureLibvirtHost()
    sshd = await startLoopbackSshd()
    home = await createTempHome()
    await ok(['daemon', 'start', '--simulate', '--port', '0'])
    deploymentId = JSON.parse(readFileSync(home.stateFile, 'utf8')).deployment_id
  }, 120_000)

  afterAll(async () => {
    if (home) await cli(['daemon', 'stop'])
    await home?.cleanup()
    await sshd?.stop()
  })

  it('registers the node and reports the missing GPUs and IOMMU truthfully', async () => {
    const node = await data([
      'nodes', 'add', '--name', 'lab-1', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.user,
      '--identity-file', sshd.identityFile, '--region', 'home-lab', '--price-per-gpu-hour', '0.50',
      '--cpu-slices', '1', '--cpu-slice-price', '0.02', '--virt-type', 'qemu', '--base-image', TEST_BASE_IMAGE,
    ])
    expect(node.status).toBe('ready')
    expect(node.gpus).toEqual([])
    expect(node.passthrough_possible).toBe(false)
    const codes = node.findings.map((f: {code: string}) => f.code)
    expect(codes).toContain('no-gpus')
    // This machine is a VM without a virtual IOMMU: no groups at all.
    expect(codes).toContain('iommu-off')
    expect(node.base_images).toContainEqual({name: TEST_BASE_IMAGE, direct_kernel: true})
  })

  it('offers a CPU-only slice beside the rentals, at the configured price, as soon as the node is added', async () => {
    const reply = await data(['inventory', '--provider', 'selfhosted'])
    const offer = reply.offers.find((o: {id: string}) => o.id === 'selfhosted-lab-1.cpu')
    expect(offer).toMatchObject({provider: 'selfhosted', gpu_type: 'CPU', gpu_count: 0, price_per_hour_micro_usd: 20_000, location: 'home-lab'})
  })

  it(
    'provisions a real VM under TCG through every phase, resuming on the same guest after a kill -9 at each late phase, and connect runs in the guest through the node',
    async () => {
      // The daemon dies, as a power cut would, once the guest has an address, once SSH is
      // ready and once the devices are checked; each next daemon picks the same guest up.
      const latePhases = ['after-instance-address', 'after-ssh-ready', 'after-gpu-check'] as const
      const restartDaemon = async (crashAt: string | null) => {
        await ok(['daemon', 'start', '--simulate', '--port', '0'], undefined, crashAt ? {GPU_SHOPPER_CRASH_AT: crashAt} : {})
      }
      await ok(['daemon', 'stop'])
      await restartDaemon(latePhases[0])
      const created = await data(['provision', '--offer-id', 'selfhosted-lab-1.cpu', '--hours', '1'])
      sessionId = created.session.id
      for (const [i, point] of latePhases.entries()) {
        const {pid} = JSON.parse(readFileSync(home.stateFile, 'utf8')) as {pid: number}
        await pollUntil(() => (isAlive(pid) ? undefined : true), `the daemon to die at ${point}`, BOOT_MS, 200)
        expect(readFileSync(home.logFile, 'utf8')).toContain(`GPU_SHOPPER_CRASH_AT=${point}: dying here on purpose`)
        expect(leftoversOf(deploymentId).domains).toHaveLength(1)
        await restartDaemon(latePhases[i + 1] ?? null)
      }
      // Followed as a user would, until it runs: --watch prints each step as it happens.
      const watched = await ok(['sessions', 'get', sessionId, '--watch', '--timeout', '300'], 360_000)
      expect(watched.stdout + watched.stderr).toMatch(/running/)
      const session = await data(['sessions', 'get', sessionId])
      expect(session.status).toBe('running')
      expect(session.ssh_jump).toMatchObject({host: sshd.host, port: sshd.port, host_key_fingerprint: sshd.hostKeyFingerprint})
      const {events} = await api(`/api/v1/sessions/${sessionId}/events`)
      const messages = events.map((e: {message: string}) => e.message).join('\n')
      const phases = [
        /reserved cpu:1/,
        /overlay disk gpu-shopper_.* over debian-12-base\.qcow2/,
        /cloud-init seed .*user gpu/,
        /domain .* defined: 2 vCPUs, 2048 MiB, no GPU, TCG/,
        /domain .* started on lab-1/,
        /address: guest at 192\.168\.\d+\.\d+ \((lease|agent|arp)\) on default, reached through lab-1; checking SSH at gpu@/,
        /SSH ready: logged in as gpu@192\.168\.\d+\.\d+:22 via /,
        /GPU check: a CPU-only slice, no GPU to find \(no GPU, Linux /,
        /running: SSH verified at gpu@192\.168\.\d+\.\d+:22 via /,
      ]
      for (const phase of phases) expect(messages).toMatch(phase)
      // One guest all along: every daemon after a crash went on with the domain already there.
      expect(leftoversOf(deploymentId).domains).toHaveLength(1)

      const uname = await ok(['connect', sessionId, '--', 'uname', '-a'])
      // The guest's hostname is the session id (cloud-init's meta-data).
      expect(uname.stdout).toMatch(new RegExp(`^Linux ${sessionId} `))
    },
    BOOT_MS + 120_000,
  )

  it('writes an ssh-config entry OpenSSH follows into the guest through the node (ProxyCommand)', async () => {
    const userHome = join(home.home, 'user')
    mkdirSync(userHome, {recursive: true})
    const written = await data(['ssh-config'], undefined, {HOME: userHome})
    expect(written.hosts).toEqual([`gpu-${sessionId}`])
    expect(readFileSync(written.file, 'utf8')).toMatch(/ProxyCommand /)
    const hostname = execFileSync('ssh', ['-F', written.file, '-o', 'BatchMode=yes', `gpu-${sessionId}`, 'hostname'], {env: {...home.env, HOME: userHome}, encoding: 'utf8', timeout: 60_000})
    expect(hostname).toBe(`${sessionId}\n`)
  })

  it('connects from the dashboard: the ssh it runs reaches the guest through the node', async () => {
    const state = JSON.parse(readFileSync(home.stateFile, 'utf8')) as {url: string; token: string}
    const runs: Array<readonly string[]> = []
    const services = createTuiServices({
      client: createApiClient({baseUrl: state.url, token: state.token}),
      paths: appPaths(home.env),
      consumer: 'dashboard',
      runSsh: (argv) => runs.push(argv),
      copyToClipboard: () => {},
    })
    const screen = renderTui(createElement(Dashboard, {services}), {columns: 160, rows: 40})
    try {
      await screen.type('2')
      await screen.waitFor(new RegExp(`${sessionId}.*running`), 30_000)
      await screen.type('c')
      const argv = await pollUntil(() => runs[0], 'the dashboard to run ssh')
      // The dashboard hands ssh this argv on the terminal; here it runs one command instead of a shell.
      const hostname = execFileSync('ssh', ['-o', 'BatchMode=yes', ...argv, 'hostname'], {env: home.env, encoding: 'utf8', timeout: 60_000})
      expect(hostname).toBe(`${sessionId}\n`)
    } finally {
      screen.unmount()
    }
  })

  it('reaches the guest through the server for a client of a remote server (the node key stays on the server): connect, copy, ssh-config', async () => {
    const state = JSON.parse(readFileSync(home.stateFile, 'utf8')) as {url: string; token: string}
    // As a teammate's CLI talks to a team server: --server and a token, no node key of its own.
    const remote = {GPU_SHOPPER_SERVER: state.url, GPU_SHOPPER_TOKEN: state.token}
    const printed = await ok(['connect', sessionId, '--print'], undefined, remote)
    expect(printed.stdout).toMatch(/ProxyCommand=.*tunnel-main\.js/)
    expect(printed.stdout).not.toContain(sshd.identityFile)
    expect((await ok(['connect', sessionId, '--', 'hostname'], undefined, remote)).stdout).toBe(`${sessionId}\n`)

    const local = join(home.home, 'through-server.txt')
    writeFileSync(local, 'carried by the server\n')
    await ok(['copy', local, `${sessionId}:/tmp/through-server.txt`], undefined, remote)
    expect((await ok(['connect', sessionId, '--', 'cat', '/tmp/through-server.txt'], undefined, remote)).stdout).toBe('carried by the server\n')

    const userHome = join(home.home, 'teammate')
    mkdirSync(userHome, {recursive: true})
    const written = await data(['ssh-config'], undefined, {...remote, HOME: userHome})
    const hostname = execFileSync('ssh', ['-F', written.file, '-o', 'BatchMode=yes', `gpu-${sessionId}`, 'hostname'], {env: {...home.env, ...remote, HOME: userHome}, encoding: 'utf8', timeout: 60_000})
    expect(hostname).toBe(`${sessionId}\n`)

    // The tunnel is the caller's own session's, and only one behind a node: others are refused before any byte moves.
    const carrier = join(REPO_ROOT, 'dist', 'src', 'cli', 'ssh', 'tunnel-main.js')
    const refused = spawnSync(process.execPath, [carrier, 'sess-000000000000', state.url], {env: {...home.env, ...remote}, encoding: 'utf8', input: ''})
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/refused the tunnel to sess-000000000000 \(404\)/)
    const unauthorized = spawnSync(process.execPath, [carrier, sessionId, state.url], {env: {...home.env, ...remote, GPU_SHOPPER_TOKEN: 'not-the-token'}, encoding: 'utf8', input: ''})
    expect(unauthorized.status).toBe(1)
    expect(unauthorized.stderr).toMatch(/\(401\)/)
  })

  it('copies a file into the guest and reads it back, through the node', async () => {
    const local = join(home.home, 'hello.txt')
    writeFileSync(local, 'hello from the host\n')
    await ok(['copy', local, `${sessionId}:/tmp/hello.txt`])
    expect((await ok(['connect', sessionId, '--', 'cat', '/tmp/hello.txt'])).stdout).toBe('hello from the host\n')
  })

  it('opens the browser terminal on the guest, through the node', async () => {
    const {ws_url: wsUrl} = await api(`/api/v1/sessions/${sessionId}/terminal-token`, 'POST')
    const terminal = openTerminalClient(wsUrl)
    try {
      await terminal.waitFor(/\$ $/m, 'the shell prompt')
      terminal.send('echo "$(hostname) via the terminal"\n')
      await terminal.waitFor(`${sessionId} via the terminal`)
    } finally {
      terminal.close()
    }
  })

  it('releases the VM: domain, disk and seed are gone, the slot is free, and the ledger billed it', async () => {
    await ok(['done', sessionId, '--wait'], 180_000)
    expect(leftoversOf(deploymentId)).toEqual({domains: [], volumes: []})
    const node = await data(['nodes', 'show', 'lab-1'])
    expect(node.held_slots).toEqual([])
    const cost = await data(['costs', '--session-id', sessionId])
    expect(cost.total_cost_micro_usd).toBeGreaterThan(0)
  })
})
