import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ProviderUnavailableError} from '../providers/errors.js'
import {PartialInstanceListError, type ProviderAdapter, type ProviderInstance} from '../providers/provider.js'
import {simControl} from '../sim/control/control-client.js'
import type {StoredSession} from '../store/sessions-repo.js'
import {sessionRow, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {Reconciler} from './reconciler.js'

type SimInstance = {id: number; label: string | null; sim: {destroyed_at: number | null}}

describe('reconciler', () => {
  let h: ServiceHarness
  let reconciler: Reconciler
  const label = (sessionId: string, deployment = 'dep-test0001') => `gpu-shopper:${deployment}:${sessionId}`
  const createInstance = async (instanceLabel: string | null) =>
    (await simControl<{new_contract: number}>(h.vast.url, 'POST', '/_sim/instances', {label: instanceLabel, gpu_name: 'RTX 4090'})).new_contract
  const liveInstances = async () =>
    (await simControl<{instances: SimInstance[]}>(h.vast.url, 'GET', '/_sim/instances')).instances.filter((i) => i.sim.destroyed_at === null)

  async function session(id: string, over: Partial<StoredSession> = {}): Promise<StoredSession> {
    const s = sessionRow(h, id, {createdAt: h.clock.now() - 60_000, updatedAt: h.clock.now() - 60_000, startedAt: h.clock.now() - 60_000, reservationHours: 2, ...over})
    await h.ctx.store.sessions.insert(s)
    return s
  }

  beforeEach(async () => {
    h = await startServiceHarness()
    reconciler = new Reconciler(h.ctx)
  })
  afterEach(async () => h.close())

  it('destroys orphans of this deployment after the grace period and never touches anything else', async () => {
    const orphan = await createInstance(label('sess-gone'))
    const stopped = await session('sess-stopped', {status: 'stopped', stoppedAt: h.clock.now()})
    const leftover = await createInstance(label(stopped.id))
    const otherDeployment = await createInstance(label('sess-x', 'dep-other999'))
    const untagged = await createInstance(null)
    const someoneElse = await createInstance('my-own-training-box')

    const dry = await reconciler.run({dryRun: true, orphanGraceMs: 0})
    expect(dry.orphans.map((o) => [o.providerInstanceId, o.action]).sort()).toEqual([
      [String(orphan), 'would-destroy'],
      [String(leftover), 'would-destroy'],
    ].sort())
    expect(dry.foreignInstances).toBe(3)
    expect((await liveInstances()).length).toBe(5)

    const first = await reconciler.run({dryRun: false, orphanGraceMs: 60_000})
    expect(first.orphans.every((o) => o.action === 'in-grace')).toBe(true)
    expect((await liveInstances()).length).toBe(5)

    h.clock.advance(60_000)
    const second = await reconciler.run({dryRun: false, orphanGraceMs: 60_000})
    expect(second.orphans.map((o) => o.action)).toEqual(['destroyed', 'destroyed'])
    expect((await liveInstances()).map((i) => i.id).sort()).toEqual([otherDeployment, untagged, someoneElse].sort())
  })

  it('stops ghosts: live sessions whose instance vanished, with the reason', async () => {
    const id = await createInstance(label('sess-ghost'))
    await session('sess-ghost', {providerInstanceId: String(id)})
    await simControl(h.vast.url, 'DELETE', `/_sim/instances/${id}`)
    const report = await reconciler.run({dryRun: false, orphanGraceMs: 0})
    expect(report.ghosts).toEqual([{provider: 'vastai', sessionId: 'sess-ghost', providerInstanceId: String(id), action: 'marked-stopped'}])
    const after = (await h.ctx.store.sessions.get('sess-ghost'))!
    expect(after.status).toBe('stopped')
    expect(after.failureReason).toMatch(/ghost/)
    expect(await h.ctx.store.ledger.totalForSession('sess-ghost')).toBe(6_000) // one minute at $0.36/h
  })

  it('adopts an instance created for a live session that never recorded it, and flags a second one as a duplicate', async () => {
    await session('sess-adopt', {status: 'provisioning', startedAt: null})
    const first = await createInstance(label('sess-adopt'))
    const report = await reconciler.run({dryRun: false, orphanGraceMs: 0})
    expect(report.adopted).toEqual([{provider: 'vastai', sessionId: 'sess-adopt', providerInstanceId: String(first), action: 'adopted'}])
    expect((await h.ctx.store.sessions.get('sess-adopt'))!.providerInstanceId).toBe(String(first))

    const duplicate = await createInstance(label('sess-adopt'))
    const next = await reconciler.run({dryRun: false, orphanGraceMs: 0})
    expect(next.orphans).toMatchObject([{providerInstanceId: String(duplicate), action: 'destroyed'}])
    expect((await liveInstances()).map((i) => i.id)).toEqual([first])
  })

  describe('a self-hosted node that does not answer', () => {
    /**
     * Two nodes as the self-hosted adapter presents them: `up` answers, `down` refuses every
     * connection. Reaching real nodes takes libvirt over SSH; what is under test here is only
     * what the reconciler makes of a partial list, so the adapter is a stand-in.
     */
    function twoNodes(slices: Map<string, string>): ProviderAdapter & {destroyed: string[]; downAnswers: boolean} {
      const unreachable = () => new ProviderUnavailableError('selfhosted', 'node down: ssh to 127.0.0.1:1: connect ECONNREFUSED')
      const instance = (id: string): ProviderInstance => ({
        providerInstanceId: id, label: slices.get(id)!, state: 'running', statusMessage: null, ssh: null, pricePerHour: null, billing: null, gpuType: null, gpuCount: null,
      })
      const onUp = () => [...slices.keys()].filter((id) => id.startsWith('up/')).map(instance)
      const destroyed: string[] = []
      return {
        downAnswers: false,
        name: 'selfhosted',
        capabilities: {serverSideFilters: false, attachSshKeyAfterCreate: false, singleUseOffers: false, resumableCreate: true, launch: {images: {kind: 'none'}, exposePorts: false}},
        destroyed,
        searchOffers: async () => [],
        createInstance: async () => {
          throw new Error('not used')
        },
        async getInstance(id) {
          if (id.startsWith('down/') && !this.downAnswers) throw unreachable()
          return slices.has(id) ? instance(id) : null
        },
        async listInstances() {
          if (this.downAnswers) return [...slices.keys()].map(instance)
          throw new PartialInstanceListError('selfhosted', onUp(), [{scope: 'down', error: unreachable()}])
        },
        async destroyInstance(id) {
          if (id.startsWith('down/') && !this.downAnswers) throw unreachable()
          slices.delete(id)
          destroyed.push(id)
        },
      }
    }

    it('reconciles the nodes that answered and leaves the sessions on the one that did not alone', async () => {
      // Given: on `up` an orphan and a live session's slice; a live session whose slice vanished
      // from `up`; a live session on `down`, which cannot be asked.
      const slices = new Map([
        ['up/orphan', label('sess-gone')],
        ['up/alive', label('sess-up')],
        ['down/alive', label('sess-down')],
      ])
      const adapter = twoNodes(slices)
      h.ctx.providers.register('selfhosted', {adapter, baseUrl: 'ssh://nodes'})
      const onSelfhosted = {provider: 'selfhosted' as const, offerId: 'selfhosted-up.gpu1', offerProviderId: 'up.gpu1'}
      await session('sess-up', {...onSelfhosted, providerInstanceId: 'up/alive'})
      await session('sess-ghost', {...onSelfhosted, providerInstanceId: 'up/vanished'})
      await session('sess-down', {...onSelfhosted, providerInstanceId: 'down/alive'})

      // When
      const report = await reconciler.run({dryRun: false, orphanGraceMs: 0})

      // Then: the orphan on `up` is destroyed, the ghost on `up` marked, `down` reported (its
      // listing and its session's check), and its session still running.
      expect(adapter.destroyed).toEqual(['up/orphan'])
      expect(report.orphans).toMatchObject([{provider: 'selfhosted', providerInstanceId: 'up/orphan', action: 'destroyed'}])
      expect(report.ghosts).toEqual([{provider: 'selfhosted', sessionId: 'sess-ghost', providerInstanceId: 'up/vanished', action: 'marked-stopped'}])
      expect((await h.ctx.store.sessions.get('sess-ghost'))!.status).toBe('stopped')
      const selfhostedErrors = report.errors.filter((e) => e.provider === 'selfhosted').map((e) => e.message)
      expect(selfhostedErrors).toEqual([expect.stringMatching(/^node down: /), expect.stringMatching(/^session sess-down: node down: /)])
      expect((await h.ctx.store.sessions.get('sess-down'))!.status).toBe('running')
      expect((await h.ctx.store.sessions.get('sess-up'))!.status).toBe('running')
    })

    it('keeps an orphan\'s grace running while its node is away', async () => {
      // Given: an orphan on `down` first seen while the node answered
      const adapter = twoNodes(new Map([['down/orphan', label('sess-gone')]]))
      adapter.downAnswers = true
      h.ctx.providers.register('selfhosted', {adapter, baseUrl: 'ssh://nodes'})
      const graceMs = 60_000
      expect((await reconciler.run({dryRun: false, orphanGraceMs: graceMs})).orphans).toMatchObject([{action: 'in-grace'}])

      // When: the node drops out for a run, and is back once the grace has passed
      h.clock.advance(graceMs / 2)
      adapter.downAnswers = false
      expect((await reconciler.run({dryRun: false, orphanGraceMs: graceMs})).orphans).toEqual([])
      h.clock.advance(graceMs / 2)
      adapter.downAnswers = true
      const back = await reconciler.run({dryRun: false, orphanGraceMs: graceMs})

      // Then: the grace counted from the first sighting, not from the node's return
      expect(back.orphans).toMatchObject([{providerInstanceId: 'down/orphan', action: 'destroyed'}])
    })
  })
})
