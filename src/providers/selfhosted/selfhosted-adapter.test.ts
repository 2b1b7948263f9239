import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {deploymentLabelPrefix, instanceLabel} from '../../core/instance-label.js'
import type {MicroUsd} from '../../core/money.js'
import {ensureLibvirtHost, TEST_POOL, virsh} from '../../../test/support/libvirt-host.js'
import {startLoopbackSshd, type LoopbackSshd} from '../../../test/support/loopback-sshd.js'
import {ProviderUnavailableError} from '../errors.js'
import {PartialInstanceListError} from '../provider.js'
import {buildDomainXml} from './libvirt/domain-xml.js'
import {domainNameOf} from './libvirt/domain-names.js'
import {parseLibvirtUri} from './libvirt/virsh-commands.js'
import {connectToNode} from './node-connection.js'
import type {DirectoryNode, NodeDirectory} from './node-directory.js'
import {createSelfhostedAdapter} from './selfhosted-adapter.js'

/**
 * Listing slices across nodes when one of them is down: `lab` is the real libvirtd on this
 * machine behind a real sshd on loopback; `gone` is a node whose sshd has stopped, so its port
 * refuses connections as a powered-off or rebooting node's would.
 */
describe('selfhosted adapter listing with a node down', () => {
  const deploymentId = `dep-${randomBytes(4).toString('hex')}`
  const label = instanceLabel(deploymentId, 'sess-on-lab')
  const domain = domainNameOf(label)
  let sshd: LoopbackSshd
  let lab: DirectoryNode
  let gone: DirectoryNode
  let xmlDir: string

  const adapterOver = (nodes: DirectoryNode[]) => {
    const directory: NodeDirectory = {
      nodes: async () => nodes,
      node: async (name) => nodes.find((n) => n.endpoint.name === name) ?? null,
      slotsOf: async () => null,
    }
    return createSelfhostedAdapter({directory, clock: new ManualClock(Date.UTC(2026, 10, 30, 12))})
  }

  beforeAll(async () => {
    ensureLibvirtHost()
    sshd = await startLoopbackSshd()
    const stopped = await startLoopbackSshd()
    const stoppedPort = stopped.port
    await stopped.stop()
    const shell = await connectToNode({name: 'lab', host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.identityFile, hostKeyFingerprint: sshd.hostKeyFingerprint})
    const hostPublicKey = shell.hostKey.publicKey
    shell.close()
    // Only what listing reads of a node: how to reach it, its libvirt names and its prices.
    const node = (name: string, port: number): DirectoryNode =>
      ({
        endpoint: {name, host: sshd.host, port, user: sshd.user, identityFile: sshd.identityFile, hostKeyFingerprint: sshd.hostKeyFingerprint},
        hostPublicKey,
        libvirt: {uri: parseLibvirtUri('qemu:///system'), pool: TEST_POOL, network: 'default', baseImage: null, virtType: 'qemu'},
        capacity: {pricing: {pricePerGpuHour: 500_000 as MicroUsd, cpuSlices: 1, cpuSlicePricePerHour: 20_000 as MicroUsd}},
      }) as unknown as DirectoryNode
    lab = node('lab', sshd.port)
    gone = node('gone', stoppedPort)

    xmlDir = mkdtempSync(join(tmpdir(), 'gpu-shopper-adapter-list-'))
    const built = buildDomainXml({
      instance: {deploymentId, sessionId: 'sess-on-lab', nodeName: 'lab', createdAt: new Date('2026-11-30T12:00:00.000Z')},
      type: 'qemu',
      vcpus: 1,
      memoryMiB: 256,
      boot: {kind: 'disk'},
      overlayDiskPath: '/nonexistent/sess-on-lab.qcow2',
      seedIsoPath: '/nonexistent/sess-on-lab-seed.iso',
      network: 'default',
      gpus: [],
    })
    writeFileSync(join(xmlDir, 'domain.xml'), built.xml)
    virsh('define', join(xmlDir, 'domain.xml'))
  })

  afterAll(async () => {
    virsh('undefine', domain)
    await sshd?.stop()
    if (xmlDir) rmSync(xmlDir, {recursive: true, force: true})
  })

  it('throws a partial list carrying the slices of the node that answered and the one that did not', async () => {
    const err = await adapterOver([gone, lab])
      .listInstances({labelPrefix: deploymentLabelPrefix(deploymentId)})
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PartialInstanceListError)
    const partial = err as PartialInstanceListError
    expect(partial.retryable).toBe(true)
    expect(partial.instances.map((i) => [i.providerInstanceId, i.label])).toEqual([[`lab/${domain}`, label]])
    expect(partial.unlisted.map((u) => u.scope)).toEqual(['gone'])
    expect(partial.unlisted[0]!.error).toBeInstanceOf(ProviderUnavailableError)
    expect(partial.message).toMatch(/^the instance list is incomplete: node gone: /)
  })

  it('throws the node\'s own error when no node answered, and lists plainly when all did', async () => {
    const none = await adapterOver([gone]).listInstances().catch((e: unknown) => e)
    expect(none).toBeInstanceOf(ProviderUnavailableError)
    expect(none).not.toBeInstanceOf(PartialInstanceListError)

    const all = await adapterOver([lab]).listInstances({labelPrefix: deploymentLabelPrefix(deploymentId)})
    expect(all.map((i) => i.providerInstanceId)).toEqual([`lab/${domain}`])
  })
})
