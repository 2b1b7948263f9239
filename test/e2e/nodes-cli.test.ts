import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startLoopbackSshd, type LoopbackSshd} from '../support/loopback-sshd.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

/**
 * Registering one's own server through the real binary: the daemon logs in to a real OpenSSH
 * server on loopback (this machine plays the node), pins its host key and reports what it
 * found. This machine has no GPU and no IOMMU exposed to it; the report must say so, truthfully.
 */
describe('self-hosted nodes through the CLI binary', () => {
  let sshd: LoopbackSshd
  // The node's sshd starts before the daemon and stops after it
  beforeAll(async () => {
    sshd = await startLoopbackSshd()
  })
  afterAll(async () => {
    await sshd?.stop()
  })
  const {cli, ok, data} = simulatedDaemonCli()
  /** `nodes add` for the loopback node; `flags` replace or add to the defaults. */
  const addArgs = (name: string, flags: Record<string, string> = {}) => {
    const all: Record<string, string> = {
      name, host: sshd.host, port: String(sshd.port), user: sshd.user,
      'identity-file': sshd.identityFile, region: 'home-lab', 'price-per-gpu-hour': '0.50', ...flags,
    }
    return ['nodes', 'add', ...Object.entries(all).flatMap(([flag, value]) => [`--${flag}`, value])]
  }

  it('registers a node, pins its host key and tells how to compare it', async () => {
    const result = await ok(...addArgs('lab-1', {'cpu-slices': '2', 'cpu-slice-price': '0.02'}))
    expect(result.stdout).toContain(`${sshd.hostKeyFingerprint} (pinned)`)
    expect(result.stderr).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')
    const node = await data('nodes', 'show', 'lab-1')
    expect(node).toMatchObject({
      name: 'lab-1',
      port: sshd.port,
      region: 'home-lab',
      price_per_gpu_hour: 0.5,
      price_per_gpu_hour_micro_usd: 500_000,
      cpu_slices: 2,
      cpu_slice_price_per_hour_micro_usd: 20_000,
      host_key_fingerprint: sshd.hostKeyFingerprint,
      identity_file: sshd.identityFile,
    })
    expect(node.resources.cpus).toBeGreaterThan(0)
  })

  it('reports the missing GPUs (and IOMMU) truthfully, each with a fix', async () => {
    const node = await data('nodes', 'check', 'lab-1')
    expect(node.gpus).toEqual([])
    expect(node.passthrough_possible).toBe(false)
    const noGpus = node.findings.find((f: {code: string}) => f.code === 'no-gpus')
    expect(noGpus).toMatchObject({scope: 'passthrough', severity: 'blocker'})
    expect(noGpus.fix).toMatch(/CPU-only slices/)
    for (const finding of node.findings) expect(finding.fix.length).toBeGreaterThan(10)
    const text = await ok('nodes', 'check', 'lab-1')
    expect(text.stdout).toContain('GPUs: none found.')
    expect(text.stdout).toContain('fix:')
  })

  it('lists nodes as a table and as tab-separated lines', async () => {
    const listed = await ok('nodes', 'list')
    const [line] = listed.stdout.trim().split('\n')
    expect(line!.split('\t').slice(0, 3)).toEqual(['lab-1', `${sshd.user}@${sshd.host}:${sshd.port}`, 'home-lab'])
    expect((await data('nodes', 'list')).count).toBe(1)
  })

  it('refuses bad flags naming the flag, before asking the daemon', async () => {
    const cases: [string[], RegExp][] = [
      [addArgs('Bad Name'), /--name must be 1-32 lowercase letters/],
      [addArgs('lab-2', {'price-per-gpu-hour': 'cheap'}), /--price-per-gpu-hour must be USD per hour/],
      [addArgs('lab-2', {'identity-file': '/nonexistent/key'}), /--identity-file .*does not exist/],
      [addArgs('lab-2', {'trust-host-key': 'MD5:aa'}), /--trust-host-key must be a fingerprint/],
      [addArgs('lab-2', {'libvirt-uri': 'xen:///'}), /--libvirt-uri must be one of qemu:\/\/\/system, qemu:\/\/\/session/],
    ]
    for (const [args, message] of cases) {
      const result = await cli(args)
      expect(result.exitCode, args.join(' ')).toBe(2)
      expect(result.stderr).toMatch(message)
      expect(result.stderr).toContain('No node was registered.')
      expect(result.stderr).not.toMatch(/\n\s+at /)
    }
  })

  it('refuses a node whose host key changed, says how to trust it, and trusts it when asked', async () => {
    const old = sshd.hostKeyFingerprint
    await sshd.rotateHostKey()
    const refused = await cli(['nodes', 'check', 'lab-1'])
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toContain(`presented host key ${sshd.hostKeyFingerprint}, but ${old} is pinned`)
    expect(refused.stderr).toContain(`gpu-shopper nodes trust lab-1 --host-key ${sshd.hostKeyFingerprint}`)
    await ok('nodes', 'trust', 'lab-1', '--host-key', sshd.hostKeyFingerprint)
    expect((await data('nodes', 'check', 'lab-1')).host_key_fingerprint).toBe(sshd.hostKeyFingerprint)
  })

  it('removes a node, and says when there is none', async () => {
    expect((await data('nodes', 'remove', 'lab-1')).name).toBe('lab-1')
    const missing = await cli(['nodes', 'show', 'lab-1'])
    expect(missing.exitCode).not.toBe(0)
    expect(missing.stderr).toContain('no node named lab-1')
    expect((await ok('nodes', 'list')).stderr).toContain('No nodes.')
  })
})
