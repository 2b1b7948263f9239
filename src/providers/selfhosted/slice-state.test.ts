import {randomBytes} from 'node:crypto'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {deploymentLabelPrefix, instanceLabel} from '../../core/instance-label.js'
import type {MicroUsd} from '../../core/money.js'
import {ensureLibvirtHost, TEST_POOL, virsh} from '../../../test/support/libvirt-host.js'
import {startLoopbackSshd, type LoopbackSshd} from '../../../test/support/loopback-sshd.js'
import {buildDomainXml} from './libvirt/domain-xml.js'
import {domainNameOf, overlayVolumeOf, type DomainName} from './libvirt/domain-names.js'
import {parseLibvirtUri} from './libvirt/virsh-commands.js'
import {connectToNode} from './node-connection.js'
import type {NodeShell} from './node-shell.js'
import {listSlices, readSlice, type SliceNode} from './slice-state.js'

/**
 * What a node says about its slices, read from the real libvirtd on this machine through a real
 * sshd on loopback. The domains here are only defined, never started: listing and billing come
 * from libvirt's records, which need no running guest.
 */
describe('slice state on a real libvirt host', () => {
  const deploymentId = `dep-${randomBytes(4).toString('hex')}`
  const createdAt = new Date('2026-11-30T12:00:00.000Z')
  const defined: DomainName[] = []
  const volumes: string[] = []
  let sshd: LoopbackSshd
  let shell: NodeShell
  let node: SliceNode
  let xmlDir: string

  function define(sessionId: string, nameOf: string = sessionId): DomainName {
    const built = buildDomainXml({
      instance: {deploymentId, sessionId, nodeName: 'lab', createdAt},
      type: 'qemu',
      vcpus: 1,
      memoryMiB: 256,
      boot: {kind: 'disk'},
      overlayDiskPath: `/nonexistent/${sessionId}.qcow2`,
      seedIsoPath: `/nonexistent/${sessionId}-seed.iso`,
      network: 'default',
      gpus: [],
    })
    // The name a domain carries need not be the one its metadata stands for (a hand edit, a rename).
    const name = domainNameOf(instanceLabel(deploymentId, nameOf))
    const file = join(xmlDir, `${sessionId}.xml`)
    writeFileSync(file, built.xml.replace(`<name>${built.name}</name>`, `<name>${name}</name>`))
    virsh('define', file)
    defined.push(name)
    return name
  }

  beforeAll(async () => {
    ensureLibvirtHost()
    sshd = await startLoopbackSshd()
    xmlDir = mkdtempSync(join(tmpdir(), 'gpu-shopper-slice-state-'))
    const endpoint = {name: 'lab', host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.identityFile, hostKeyFingerprint: sshd.hostKeyFingerprint}
    shell = await connectToNode(endpoint)
    node = {
      name: 'lab',
      libvirt: {uri: parseLibvirtUri('qemu:///system'), pool: TEST_POOL, network: 'default', baseImage: null, virtType: 'qemu'},
      pricing: {pricePerGpuHour: 500_000 as MicroUsd, cpuSlices: 1, cpuSlicePricePerHour: 20_000 as MicroUsd},
      jump: {host: sshd.host, port: sshd.port, user: sshd.user, hostKeyFingerprint: sshd.hostKeyFingerprint, hostPublicKey: shell.hostKey.publicKey, identityFile: sshd.identityFile},
    }
  })

  afterAll(async () => {
    for (const name of defined) virsh('undefine', name)
    for (const volume of volumes) virsh('vol-delete', '--pool', TEST_POOL, volume)
    shell?.close()
    await sshd?.stop()
    if (xmlDir) rmSync(xmlDir, {recursive: true, force: true})
  })

  it('lists a defined slice with the label, creation time and price from its metadata', async () => {
    const domain = define('sess-listed')
    const listed = await listSlices(shell, node, deploymentLabelPrefix(deploymentId))
    expect(listed).toEqual([
      {
        providerInstanceId: `lab/${domain}`,
        label: instanceLabel(deploymentId, 'sess-listed'),
        state: 'stopped',
        statusMessage: expect.stringMatching(/^domain shut-off/),
        ssh: null,
        pricePerHour: 20_000,
        billing: {createdAt: createdAt.getTime(), runningSince: null, computeFromCreate: true, computePerHour: 20_000, storagePerHour: 0},
        gpuType: null,
        gpuCount: 0,
      },
    ])
    expect(await listSlices(shell, node, deploymentLabelPrefix('dep-someone-else'))).toEqual([])
    expect(await readSlice(shell, node, domain)).toMatchObject({label: instanceLabel(deploymentId, 'sess-listed'), state: 'stopped', gpuCount: 0})
  })

  it('takes whose slice it is from the metadata, not from the domain name', async () => {
    const domain = define('sess-metadata', 'sess-renamed')
    const listed = await listSlices(shell, node, instanceLabel(deploymentId, 'sess-'))
    const found = listed.find((slice) => slice.providerInstanceId === `lab/${domain}`)
    expect(found?.label).toBe(instanceLabel(deploymentId, 'sess-metadata'))
    expect(listed.map((slice) => slice.label)).not.toContain(instanceLabel(deploymentId, 'sess-renamed'))
  })

  it('reports the disk of a slice whose domain is gone as a stopped slice, so release deletes it', async () => {
    const domain = domainNameOf(instanceLabel(deploymentId, 'sess-leftover'))
    const volume = overlayVolumeOf(domain)
    virsh('vol-create-as', TEST_POOL, volume, '1M', '--format', 'qcow2')
    volumes.push(volume)
    const listed = await listSlices(shell, node, instanceLabel(deploymentId, 'sess-leftover'))
    expect(listed).toEqual([expect.objectContaining({providerInstanceId: `lab/${domain}`, state: 'stopped', statusMessage: expect.stringContaining(volume)})])
    expect(await readSlice(shell, node, domain)).toMatchObject({state: 'stopped', statusMessage: expect.stringContaining(volume)})
  })

  it('has nothing to say about a slice that never existed', async () => {
    expect(await readSlice(shell, node, domainNameOf(instanceLabel(deploymentId, 'sess-never')))).toBeNull()
  })
})
