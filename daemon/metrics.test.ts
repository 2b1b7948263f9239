import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {packageRoot} from '../src/config/paths.js'
import {asMicroUsd} from '../src/core/money.js'
import {parseHostProbe} from '../src/providers/selfhosted/host-probe.js'
import type {LibvirtFacts} from '../src/providers/selfhosted/libvirt-facts.js'
import {storedSessionFixture} from '../test/support/offer-fixture.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

/** A KVM host with a pool and a base image: what lets its GPUs be offered. */
const FACTS: LibvirtFacts = {
  cpus: 32,
  memTotalKiB: 128 * 1024 * 1024,
  tools: {virsh: true, qemuImg: true, genisoimage: true, base64: true},
  libvirt: {state: 'reachable', version: '9.0.0', hypervisor: 'QEMU 7.2.0', kvm: true},
  pool: {state: 'running', path: '/var/lib/gpu-shopper/pool', capacityBytes: 1e12, availableBytes: 8e11, volumes: ['debian-12.qcow2']},
  networkActive: true,
}

/**
 * `/metrics` of a real daemon with a self-hosted node registered: the written fixture of a host
 * with two RTX 4090s ready for passthrough, and two CPU-only slices. It is put straight in the
 * store as registration would leave it (registration itself, over SSH, is tested in the node
 * service's tests); no scrape talks to the node.
 */
describe('/metrics with a self-hosted node', () => {
  let testDaemon: TestDaemon

  beforeAll(async () => {
    testDaemon = await startTestDaemon('metrics')
    const {ctx} = testDaemon.daemon
    const now = ctx.clock.now()
    await ctx.store.nodes.insert({
      id: 'node-000000000001',
      name: 'rig',
      host: '10.0.0.5',
      port: 22,
      user: 'ops',
      identityFile: '/home/ops/.ssh/id_ed25519',
      region: 'office',
      pricing: {pricePerGpuHour: asMicroUsd(400_000), cpuSlices: 2, cpuSlicePricePerHour: asMicroUsd(20_000)},
      libvirt: {uri: 'qemu:///system', pool: 'gpu-shopper', network: 'default', baseImage: null, virtType: 'auto'},
      hostKey: {fingerprint: 'SHA256:' + 'A'.repeat(43), publicKey: 'ssh-ed25519 AAAA'},
      discovery: {probe: parseHostProbe(readFileSync(join(packageRoot(), 'fixtures', 'pci', 'probe-2x4090-ready.txt'), 'utf8')), facts: FACTS},
      discoveredAt: now,
      createdAt: now,
    })
    // One session holds a GPU (with its audio function) and a CPU-only slice.
    await ctx.store.sessions.insert(storedSessionFixture('sess-on-rig', now, {provider: 'selfhosted', offerId: 'selfhosted-rig.1x-rtx-4090', offerProviderId: 'rig.1x-rtx-4090'}))
    await ctx.store.nodes.reserveSlots('node-000000000001', ['gpu:0000:01:00.0', 'gpu:0000:01:00.1', 'cpu:1'], 'sess-on-rig', now)
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  it('counts each node\'s GPUs ready, held and not ready, and its CPU-only slices free and held', async () => {
    const {daemon} = testDaemon
    const res = await daemon.app.inject({method: 'GET', url: '/metrics', headers: {authorization: `Bearer ${daemon.token}`}})
    expect(res.statusCode).toBe(200)
    const samples = res.body.split('\n').filter((line) => line.startsWith('gpu_shopper_node_'))
    expect(samples.sort()).toEqual([
      'gpu_shopper_node_cpu_slices{node="rig",state="free"} 1',
      'gpu_shopper_node_cpu_slices{node="rig",state="held"} 1',
      'gpu_shopper_node_gpus{node="rig",state="held"} 1',
      'gpu_shopper_node_gpus{node="rig",state="not_ready"} 0',
      'gpu_shopper_node_gpus{node="rig",state="ready"} 1',
    ])
  })
})
