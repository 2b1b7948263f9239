import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {offerFixture} from '../../test/support/offer-fixture.js'

import {ManualClock} from '../core/clock.js'
import type {Offer} from '../core/offer.js'
import {createLogger} from '../log/logger.js'
import {ProviderUnavailableError} from '../providers/errors.js'
import type {CreateInstanceRequest, ProviderAdapter, ProviderInstance} from '../providers/provider.js'
import {generateSessionKeyPair} from '../ssh/keys.js'
import {Store} from '../store/store.js'
import {pollUntil} from '../../test/support/poll.js'
import {sessionInputFixture} from '../../test/support/offer-fixture.js'
import {DEFAULT_TIMINGS, type ServiceContext} from './context.js'
import {JobRunner} from './job-runner.js'
import {ProviderRegistry} from './provider-registry.js'
import {SessionEventBus} from './session-event-bus.js'
import {createSession, releaseSession} from './session-service.js'

/**
 * A marketplace whose creates wait until the test lets them finish, so what runs at once can
 * be counted; its instances stay provisioning, so a provision job polls after its create.
 */
class GatedProvider implements ProviderAdapter {
  readonly name = 'vastai' as const
  readonly capabilities = {serverSideFilters: false, attachSshKeyAfterCreate: false, singleUseOffers: false, resumableCreate: false, launch: {images: {kind: 'container', default: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04'}, exposePorts: true}} as const
  readonly calls: string[] = []
  inFlight = 0
  maxInFlight = 0
  /** Set to make every poll fail this way. */
  pollFailure: Error | null = null
  private readonly waiting: Array<() => void> = []
  private readonly instances = new Map<string, string>()

  async createInstance(request: CreateInstanceRequest): Promise<{providerInstanceId: string}> {
    this.calls.push(`create ${request.label}`)
    this.inFlight++
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight)
    await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.inFlight--
    const id = String(100 + this.instances.size)
    this.instances.set(id, request.label)
    return {providerInstanceId: id}
  }

  /** Lets the oldest waiting create finish. */
  finishOne(): void {
    const next = this.waiting.shift()
    if (!next) throw new Error('no create is waiting')
    next()
  }

  get waitingCreates(): number {
    return this.waiting.length
  }

  async getInstance(id: string): Promise<ProviderInstance | null> {
    this.calls.push(`get ${id}`)
    if (this.pollFailure) throw this.pollFailure
    const label = this.instances.get(id)
    if (label === undefined) return null
    return {providerInstanceId: id, label, state: 'provisioning', statusMessage: 'loading', ssh: null, pricePerHour: null, billing: null, gpuType: null, gpuCount: null}
  }

  async listInstances(): Promise<ProviderInstance[]> {
    this.calls.push('list')
    return []
  }

  async destroyInstance(id: string): Promise<void> {
    this.calls.push(`destroy ${id}`)
    this.instances.delete(id)
  }

  async searchOffers(): Promise<Offer[]> {
    return []
  }
}

const offer = (n: number): Offer => offerFixture(`vastai-${n}`, {diskGb: 100, cpuCores: 8, ramGb: 32, inetDownMbps: 500, diskRate: null})

interface JobRow {
  status: string
  attempts: number
  run_at: number
  last_error: string | null
}

/**
 * The runner over a real store and a provider held in the test's hand: jobs come from the
 * session service as they do in the daemon, and the clock only moves when a test moves it.
 */
describe('job runner', () => {
  let dir: string
  let clock: ManualClock
  let provider: GatedProvider
  let ctx: ServiceContext
  const runners: JobRunner[] = []

  const runner = (concurrency?: number) => {
    const r = new JobRunner(ctx, concurrency)
    runners.push(r)
    return r
  }
  const newSession = async (n: number) =>
    (
      await createSession(
        ctx,
        sessionInputFixture(`vastai-${n}`, {reservationHours: 1, sshPublicKey: ctx.daemonKey.publicKey}),
        {key: undefined, fingerprint: {n}},
      )
    ).session.id
  const jobRow = async (sessionId: string, kind = 'provision') =>
    (await ctx.store.db.get<JobRow>('SELECT status, attempts, run_at, last_error FROM jobs WHERE session_id = ? AND kind = ?', [sessionId, kind]))!
  const session = async (id: string) => (await ctx.store.sessions.get(id))!
  const until = <T>(probe: () => Promise<T | undefined> | T | undefined, what: string) => pollUntil(probe, what, 10_000, 5)

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-runner-'))
    clock = new ManualClock(Date.UTC(2026, 10, 24, 12))
    provider = new GatedProvider()
    const providers = new ProviderRegistry()
    providers.register('vastai', {baseUrl: 'http://127.0.0.1:0', adapter: provider})
    ctx = {
      store: Store.open(join(dir, 'db.sqlite')),
      clock,
      providers,
      events: new SessionEventBus(),
      log: createLogger({level: 'silent'}),
      deploymentId: 'dep-runner01',
      processId: 'runner-process',
      daemonKey: generateSessionKeyPair('test-daemon'),
      simulated: true,
      timings: {...DEFAULT_TIMINGS},
    }
    await ctx.store.offers.upsertMany(Array.from({length: 8}, (_, i) => offer(i + 1)))
  })
  afterEach(async () => {
    // Whatever a test left waiting finishes, so every runner stops.
    const drain = setInterval(() => provider.waitingCreates && provider.finishOne(), 1)
    await Promise.all(runners.splice(0).map((r) => r.stop()))
    clearInterval(drain)
    await ctx.store.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('runs at most its concurrency of steps at once, and every queued job gets its turn', async () => {
    const sessions: string[] = []
    for (const n of [1, 2, 3, 4, 5]) sessions.push(await newSession(n))
    runner(2).start()

    await until(() => (provider.inFlight === 2 ? true : undefined), 'two creates in flight')
    for (let finished = 1; finished <= 5; finished++) {
      provider.finishOne()
      // The freed slot goes to the next queued job, never beyond two at once
      await until(async () => ((await ctx.store.sessions.list({limit: 10})).sessions.filter((s) => s.providerInstanceId).length === finished ? true : undefined), `${finished} created`)
      await until(() => (provider.inFlight === Math.min(2, 5 - finished) ? true : undefined), `${Math.min(2, 5 - finished)} in flight`)
    }
    expect(provider.maxInFlight).toBe(2)
    expect(provider.calls.filter((c) => c.startsWith('create')).sort()).toEqual(sessions.map((id) => `create gpu-shopper:dep-runner01:${id}`).sort())
  })

  it('never runs two steps of one session at once: a release waits for the create in flight, then destroys what it made', async () => {
    const id = await newSession(1)
    runner().start()
    await until(() => (provider.inFlight === 1 ? true : undefined), 'the create in flight')

    // When the user releases the session while its create is on its way
    await releaseSession(ctx, id, {actor: 'test', message: 'done'})
    runners[0]!.kick()
    // Then its release job stays queued behind the running step (the barrier: another session's create starts meanwhile)
    await newSession(2)
    runners[0]!.kick()
    await until(() => (provider.inFlight === 2 ? true : undefined), 'the other session started')
    expect((await jobRow(id, 'release')).status).toBe('queued')
    expect(provider.calls.filter((c) => !c.startsWith('create'))).toEqual([])

    // When the create returns, Then the release runs after it and destroys that instance
    provider.finishOne()
    await until(async () => ((await session(id)).status === 'stopped' ? true : undefined), 'stopped')
    const instance = (await session(id)).providerInstanceId
    expect(provider.calls.indexOf(`destroy ${instance}`)).toBeGreaterThan(provider.calls.indexOf(`create gpu-shopper:dep-runner01:${id}`))
    expect((await jobRow(id, 'provision')).status).toBe('done')
    expect((await jobRow(id, 'release')).status).toBe('done')
  })

  it('reschedules a step that asked to run later exactly then, keeping its error', async () => {
    const id = await newSession(1)
    await ctx.store.sessions.update(id, 'pending', {status: 'provisioning', providerInstanceId: '100'}, clock.now())
    provider.pollFailure = new ProviderUnavailableError('vastai', 'vastai: 503 from GET /api/v0/instances/100/?api_key=sekrit')
    runner().start()

    const row = await until(async () => {
      const job = await jobRow(id)
      return job.attempts === 1 && job.status === 'queued' ? job : undefined
    }, 'the poll rescheduled')
    // A failed poll is taken again at the next poll, not after a growing back-off
    expect(row).toEqual({status: 'queued', attempts: 1, run_at: clock.now() + ctx.timings.pollIntervalMs, last_error: 'vastai: 503 from GET /api/v0/instances/100/?api_key=[redacted]'})
  })

  it('keeps a step that throws alive with a doubling back-off capped at a minute, and never gives it up', async () => {
    const id = await newSession(1)
    await ctx.store.sessions.update(id, 'pending', {status: 'provisioning', providerInstanceId: '100'}, clock.now())
    provider.pollFailure = new Error('unexpected reply from the provider')
    const r = runner()
    r.start()

    const delays: number[] = []
    for (let attempt = 1; attempt <= 8; attempt++) {
      const row = await until(async () => {
        const job = await jobRow(id)
        return job.attempts === attempt && job.status === 'queued' ? job : undefined
      }, `attempt ${attempt} rescheduled`)
      expect(row.last_error).toBe('unexpected reply from the provider')
      delays.push(row.run_at - clock.now())
      clock.set(row.run_at)
      r.kick()
    }
    expect(delays).toEqual([2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
    expect(provider.calls.filter((c) => c === 'get 100')).toHaveLength(8)
  })

  it('takes up the jobs a dead daemon held once their lease is handed back, and not before', async () => {
    // Given a job a previous daemon claimed and died holding
    const held = await newSession(1)
    const claimed = (await ctx.store.jobs.claimNext(clock.now(), ctx.timings.jobLeaseMs, 'a-dead-daemon'))!
    expect(claimed.sessionId).toBe(held)
    const other = await newSession(2)

    // When a new runner starts, Then it leaves the held job alone while its lease runs
    const r = runner()
    r.start()
    await until(() => (provider.calls.includes(`create gpu-shopper:dep-runner01:${other}`) ? true : undefined), 'the free job ran')
    expect(provider.calls.some((c) => c.includes(held))).toBe(false)
    expect((await jobRow(held)).status).toBe('running')

    // When the daemon hands back every lease at start-up, Then the held job runs again, one attempt more
    await ctx.store.jobs.releaseAllLeases(clock.now())
    r.kick()
    await until(() => (provider.calls.includes(`create gpu-shopper:dep-runner01:${held}`) ? true : undefined), 'the held job ran')
    expect((await jobRow(held)).attempts).toBe(2)
  })

  it('takes up a job whose lease ran out, without a restart', async () => {
    const held = await newSession(1)
    await ctx.store.jobs.claimNext(clock.now(), ctx.timings.jobLeaseMs, 'a-dead-daemon')
    const r = runner()
    r.start()

    // A millisecond before the lease ends, a pass over the queue (it runs a fresh job) leaves it alone
    clock.advance(ctx.timings.jobLeaseMs - 1)
    const fresh = await newSession(2)
    r.kick()
    await until(() => (provider.calls.includes(`create gpu-shopper:dep-runner01:${fresh}`) ? true : undefined), 'the fresh job ran')
    expect(provider.calls.some((c) => c.includes(held))).toBe(false)

    clock.advance(1)
    r.kick()
    await until(() => (provider.calls.includes(`create gpu-shopper:dep-runner01:${held}`) ? true : undefined), 'the expired lease taken')
  })

  it('wakes for work queued after it went idle, and stops only once its steps have finished', async () => {
    const r = runner()
    r.start()
    const id = await newSession(1)
    r.kick()
    await until(() => (provider.inFlight === 1 ? true : undefined), 'the create started')

    const stopping = r.stop()
    await newSession(2)
    r.kick()
    provider.finishOne()
    await stopping
    // The step in hand was finished and written back before stop returned; nothing new was started
    expect((await session(id)).providerInstanceId).toBe('100')
    expect(provider.calls.filter((c) => c.startsWith('create'))).toHaveLength(1)
  })
})
