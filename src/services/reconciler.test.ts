import {afterEach, beforeEach, describe, expect, it} from 'vitest'

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
})
