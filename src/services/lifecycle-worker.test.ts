import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {simControl} from '../sim/control/control-client.js'
import type {StoredSession} from '../store/sessions-repo.js'
import {pollUntil} from '../../test/support/poll.js'
import {insertRunningSession, startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import {JobRunner} from './job-runner.js'
import {LifecycleWorker} from './lifecycle-worker.js'
import {Reconciler} from './reconciler.js'

const HOUR = 3_600_000

/**
 * Limits are enforced from what the store says, so each test builds a fresh worker for every
 * step, as a restarted daemon would, and moves an injected clock instead of waiting.
 */
describe('lifecycle limits', () => {
  let h: ServiceHarness
  let jobs: JobRunner
  const worker = () => new LifecycleWorker(h.ctx, () => jobs.kick(), new Reconciler(h.ctx))

  const runningSession = (id: string, over: Partial<StoredSession> = {}) => insertRunningSession(h, id, over)

  const session = async (id: string) => (await h.ctx.store.sessions.get(id))!
  const status = async (id: string) => (await session(id)).status
  const released = (id: string) => pollUntil(async () => ((await status(id)) === 'stopped' ? true : undefined), `${id} stopped`)
  const lastMessage = async (id: string) => (await h.ctx.store.events.listAfter(id)).filter((e) => e.toStatus === 'stopping').at(-1)?.message

  beforeEach(async () => {
    h = await startServiceHarness()
    jobs = new JobRunner(h.ctx)
    jobs.start()
  })
  afterEach(async () => {
    await jobs.stop()
    await h.close()
  })

  it('releases a session at its reservation expiry, billing exactly up to the verified stop', async () => {
    const s = await runningSession('sess-expiry')
    await worker().tick()
    expect(await status(s.id)).toBe('running')
    h.clock.advance(HOUR)
    await worker().tick()
    expect(await lastMessage(s.id)).toMatch(/reservation expired/)
    await released(s.id)
    expect(await h.ctx.store.ledger.totalForSession(s.id)).toBe(360_000)
    const instances = (await simControl<{instances: {id: number; sim: {destroyed_at: number | null}}[]}>(h.vast.url, 'GET', '/_sim/instances')).instances
    expect(instances.every((i) => i.sim.destroyed_at !== null)).toBe(true)
  })

  it('enforces the 12-hour hard maximum unless the session carries an override', async () => {
    const capped = await runningSession('sess-capped', {expiresAt: h.clock.now() + 20 * HOUR})
    const overridden = await runningSession('sess-override', {expiresAt: h.clock.now() + 20 * HOUR, hardMaxOverride: true})
    h.clock.advance(12 * HOUR)
    await worker().tick()
    expect(await lastMessage(capped.id)).toMatch(/12-hour hard maximum/)
    expect(await status(overridden.id)).toBe('running')
    await released(capped.id)
  })

  it('releases a session whose GPUs stayed idle for its whole threshold, across a restart', async () => {
    const s = await runningSession('sess-idle', {idleThresholdMinutes: 2, expiresAt: h.clock.now() + 5 * HOUR})
    await worker().sampleIdle()
    expect(await session(s.id)).toMatchObject({idleSince: h.clock.now(), lastGpuUtilizationPct: 0})

    // Busy for one reading: the idle stretch starts again.
    await simControl(h.vast.url, 'POST', '/_sim/gpu-load', {instance_id: Number(s.providerInstanceId), state: 'busy'})
    h.clock.advance(60_000)
    await worker().sampleIdle()
    expect(await session(s.id)).toMatchObject({idleSince: null, lastGpuUtilizationPct: 100})

    await simControl(h.vast.url, 'POST', '/_sim/gpu-load', {instance_id: Number(s.providerInstanceId), state: 'idle'})
    h.clock.advance(60_000)
    await worker().sampleIdle()
    h.clock.advance(60_000)
    await worker().sampleIdle()
    expect(await status(s.id)).toBe('running')
    h.clock.advance(60_000)
    await worker().sampleIdle() // a new worker: the idle stretch came from the store
    expect(await lastMessage(s.id)).toMatch(/idle shutdown/)
    await released(s.id)
  })

  it('fails a session stuck pending without a provisioner', async () => {
    const s = await runningSession('sess-stuck', {status: 'pending', startedAt: null, providerInstanceId: null})
    h.clock.advance(31 * 60_000)
    await worker().tick()
    expect(await session(s.id)).toMatchObject({status: 'failed', failureReason: expect.stringMatching(/stuck: pending/)})
  })
})
