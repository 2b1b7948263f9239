import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {packageRoot} from '../config/paths.js'
import {LOCAL_TENANT} from '../auth/principal.js'
import {AppError, ERROR_STATUS} from '../core/errors.js'
import {asMicroUsd} from '../core/money.js'
import {parseHostProbe} from '../providers/selfhosted/host-probe.js'
import type {LibvirtFacts} from '../providers/selfhosted/libvirt-facts.js'
import {createSelfhostedAdapter} from '../providers/selfhosted/selfhosted-adapter.js'
import {sessionInputFixture} from '../../test/support/offer-fixture.js'
import {startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {STORE_ENGINES, twoProcessesOn, type OpenedStore} from '../../test/support/store-engines.js'
import type {Store} from '../store/store.js'
import type {ServiceContext} from './context.js'
import {storeNodeDirectory} from './node-directory.js'
import {nodeUsage} from './node-service.js'
import {createSession} from './session-service.js'

const FACTS: LibvirtFacts = {
  cpus: 32,
  memTotalKiB: 128 * 1024 * 1024,
  tools: {virsh: true, qemuImg: true, genisoimage: true, base64: true},
  libvirt: {state: 'reachable', version: '9.0.0', hypervisor: 'QEMU 7.2.0', kvm: true},
  pool: {state: 'running', path: '/var/lib/gpu-shopper/pool', capacityBytes: 1e12, availableBytes: 8e11, volumes: ['debian-12.qcow2']},
  networkActive: true,
}

/**
 * A node with two RTX 4090s ready for passthrough (the written fixture of such a host) and one
 * CPU-only slice, registered straight in the store: what the slots do needs no SSH.
 */
describe('slots of a self-hosted node', () => {
  let h: ServiceHarness
  /** Registers the node in `store` and stores its offers, as the refresh worker would. */
  const registerRig = async (store: Store) => {
    const probe = parseHostProbe(readFileSync(join(packageRoot(), 'fixtures', 'pci', 'probe-2x4090-ready.txt'), 'utf8'))
    await store.nodes.insert({
      id: 'node-000000000001',
      name: 'rig',
      host: '10.0.0.5',
      port: 22,
      user: 'ops',
      identityFile: '/home/ops/.ssh/id_ed25519',
      region: 'office',
      pricing: {pricePerGpuHour: asMicroUsd(400_000), cpuSlices: 1, cpuSlicePricePerHour: asMicroUsd(20_000)},
      libvirt: {uri: 'qemu:///system', pool: 'gpu-shopper', network: 'default', baseImage: null, virtType: 'auto'},
      hostKey: {fingerprint: 'SHA256:' + 'A'.repeat(43), publicKey: 'ssh-ed25519 AAAA'},
      discovery: {probe, facts: FACTS},
      discoveredAt: h.clock.now(),
      createdAt: h.clock.now(),
    })
    await store.offers.upsertMany(await createSelfhostedAdapter({directory: storeNodeDirectory(store), clock: h.clock}).searchOffers({}))
  }
  beforeEach(async () => {
    h = await startServiceHarness()
    h.ctx.providers.register('selfhosted', {baseUrl: 'ssh://nodes', adapter: createSelfhostedAdapter({directory: storeNodeDirectory(h.ctx.store), clock: h.clock})})
    await registerRig(h.ctx.store)
  })
  afterEach(async () => h.close())

  const create = (offerId: string, key: string) => createSession(h.ctx, sessionInputFixture(offerId, {reservationHours: 1}), {key, fingerprint: key})
  const refusal = async (offerId: string, key: string) => {
    try {
      await create(offerId, key)
    } catch (err) {
      return err as AppError
    }
    throw new Error(`${offerId} was not refused`)
  }

  it('offers slices of 1 and 2 GPUs and a CPU-only slice, at the owner price', async () => {
    const offers = await h.ctx.providers.get('selfhosted').searchOffers({})
    expect(offers.map((o) => [o.id, o.gpuCount, o.pricePerHour])).toEqual([
      ['selfhosted-rig.1x-rtx-4090', 1, 400_000],
      ['selfhosted-rig.2x-rtx-4090', 2, 800_000],
      ['selfhosted-rig.cpu', 0, 20_000],
    ])
  })

  it('gives each GPU (with its audio function) to one session only', async () => {
    const first = await create('selfhosted-rig.1x-rtx-4090', 'a')
    const second = await create('selfhosted-rig.1x-rtx-4090', 'b')
    const held = (await h.ctx.store.nodes.slots()).map((s) => [s.slot, s.sessionId])
    expect(held).toEqual([
      ['gpu:0000:01:00.0', first.session.id],
      ['gpu:0000:01:00.1', first.session.id],
      ['gpu:0000:41:00.0', second.session.id],
      ['gpu:0000:41:00.1', second.session.id],
    ])
    const third = await refusal('selfhosted-rig.1x-rtx-4090', 'c')
    expect(third.errorType).toBe('sku_unavailable')
    expect(third.message).toMatch(/has 0 such GPU\(s\) free, not 1\. No instance was created\./)
    // Nothing of the refused create was written.
    expect((await h.ctx.store.sessions.list()).total).toBe(2)
  })

  it('refuses two GPUs while one is held, and frees the slots once the instance is gone', async () => {
    const first = await create('selfhosted-rig.1x-rtx-4090', 'a')
    expect((await refusal('selfhosted-rig.2x-rtx-4090', 'b')).errorType).toBe('sku_unavailable')
    // Failed (say) but its VM not destroyed yet: the GPU stays held.
    await h.ctx.store.sessions.update(first.session.id, 'pending', {status: 'failed'}, h.clock.now())
    expect((await refusal('selfhosted-rig.2x-rtx-4090', 'c')).errorType).toBe('sku_unavailable')
    // Its instance is gone (stopped_at set): the slots are free again.
    await h.ctx.store.sessions.update(first.session.id, 'failed', {stoppedAt: h.clock.now()}, h.clock.now())
    expect(await h.ctx.store.nodes.slots()).toEqual([])
    expect((await create('selfhosted-rig.2x-rtx-4090', 'd')).session.gpuCount).toBe(2)
  })

  it('lets one CPU-only slice run at a time when the owner allows one', async () => {
    await create('selfhosted-rig.cpu', 'a')
    expect((await refusal('selfhosted-rig.cpu', 'b')).message).toMatch(/all 1 CPU-only slices of rig are in use/)
  })

  it('holds a self-hosted slice to its consumer\'s budget like a rental: past it, refused with 402 and nothing held', async () => {
    // Given a budget of $0.50 left this month for `team` (the consumer the creates below use)
    await h.ctx.store.budgets.upsert(LOCAL_TENANT, 'team', asMicroUsd(500_000), 0.8, 'alert', h.clock.now())

    // When an hour of two GPUs ($0.80 at the owner's $0.40 per GPU-hour) is asked for
    const refused = await refusal('selfhosted-rig.2x-rtx-4090', 'a')

    // Then it is refused as over budget, and neither a session nor a slot is written
    expect(refused.errorType).toBe('insufficient_balance')
    expect(ERROR_STATUS[refused.errorType]).toBe(402)
    expect(refused.details).toMatchObject({remaining_micro_usd: 500_000, requested_micro_usd: 800_000})
    expect((await h.ctx.store.sessions.list()).total).toBe(0)
    expect(await h.ctx.store.nodes.slots()).toEqual([])
    // And an hour of one GPU ($0.40) fits
    expect((await create('selfhosted-rig.1x-rtx-4090', 'b')).session.gpuCount).toBe(1)
  })

  it('counts per node what /metrics reports: GPUs ready, held, not ready; CPU slices free and held', async () => {
    await create('selfhosted-rig.1x-rtx-4090', 'a')
    await create('selfhosted-rig.cpu', 'b')
    expect(await nodeUsage(h.ctx)).toEqual([{name: 'rig', gpusReady: 1, gpusNotReady: 0, gpusHeld: 1, cpuSlicesFree: 0, cpuSlicesHeld: 1}])
  })

  /** Creates at once: concurrent requests in one daemon on SQLite, two server processes on PostgreSQL. */
  describe.each(STORE_ENGINES)('at once, on $name', (engine) => {
    let opened: OpenedStore
    let a: ServiceContext
    let b: ServiceContext
    beforeEach(async () => {
      ;({opened, a, b} = await twoProcessesOn(engine, h.ctx))
      await registerRig(opened.store)
    })
    afterEach(async () => opened.close())

    it('gives each of two creates (of two consumers) a GPU of its own', async () => {
      const createOn = (ctx: ServiceContext, consumerId: string) =>
        createSession(ctx, sessionInputFixture('selfhosted-rig.1x-rtx-4090', {consumerId, reservationHours: 1}), {key: consumerId, fingerprint: consumerId})
      const [first, second] = await Promise.all([createOn(a, 'alice'), createOn(b, 'bob')])
      const held = await opened.store.nodes.slots()
      expect(held.filter((s) => s.sessionId === first.session.id)).toHaveLength(2)
      expect(held.filter((s) => s.sessionId === second.session.id)).toHaveLength(2)
    })
  })
})
