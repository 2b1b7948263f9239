import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli} from '../support/cli.js'
import {ensureLibvirtHost, leftoversOf, TEST_BASE_IMAGE} from '../support/libvirt-host.js'
import {startLoopbackSshd, type LoopbackSshd} from '../support/loopback-sshd.js'
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

describe('self-hosted node on this machine (no GPU, no IOMMU, TCG: CPU-only slice)', () => {
  let sshd: LoopbackSshd
  let home: TempHome
  let deploymentId: string
  let sessionId: string
  const cli = (args: string[], timeoutMs = 120_000) => runCli(args, {env: home.env, timeoutMs})
  const ok = async (args: string[], timeoutMs?: number) => {
    const result = await cli(args, timeoutMs)
    if (result.exitCode !== 0) throw new Error(`gpu-shopper ${args.join(' ')} failed (${result.exitCode}):\n${result.stdout}${result.stderr}`)
    return result
  }
  const data = async <T = any>(args: string[], timeoutMs?: number) => (await ok([...args, '--json'], timeoutMs)).json<T>().data
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
    'provisions a real VM under TCG through every phase, and connect runs in the guest through the node',
    async () => {
      const created = await data(['provision', '--offer-id', 'selfhosted-lab-1.cpu', '--hours', '1', '--wait', '--timeout', String(BOOT_MS / 1000)], BOOT_MS + 60_000)
      sessionId = created.session.id
      expect(created.session.status).toBe('running')
      const session = await data(['sessions', 'get', sessionId])
      expect(session.ssh_jump).toMatchObject({host: sshd.host, port: sshd.port, host_key_fingerprint: sshd.hostKeyFingerprint})
      const {events} = await api(`/api/v1/sessions/${sessionId}/events`)
      const messages = events.map((e: {message: string}) => e.message).join('\n')
      for (const phase of [/reserved cpu:1/, /overlay disk gpu-shopper_.* over debian-12-base\.qcow2/, /cloud-init seed .*user gpu/, /domain .* defined: 2 vCPUs, 2048 MiB, no GPU, TCG/, /domain .* started on lab-1/, /running: SSH verified at gpu@192\.168\.\d+\.\d+:22 via /]) {
        expect(messages).toMatch(phase)
      }
      expect(leftoversOf(deploymentId).domains).toHaveLength(1)

      const uname = await ok(['connect', sessionId, '--', 'uname', '-a'])
      // The guest's hostname is the session id (cloud-init's meta-data).
      expect(uname.stdout).toMatch(new RegExp(`^Linux ${sessionId} `))
    },
    BOOT_MS + 120_000,
  )

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
