import {randomBytes} from 'node:crypto'

import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

import {sessionInputFixture} from '../../test/support/offer-fixture.js'

import {instanceLabel} from '../core/instance-label.js'
import type {Offer} from '../core/offer.js'
import {priceForDisk} from '../core/offer-quote.js'
import {costForDuration} from '../core/money.js'
import {MAX_OFFER_ATTEMPTS} from '../core/provisioning-spec.js'
import {InsufficientCreditError} from '../providers/errors.js'
import type {CreateInstanceRequest, ProviderAdapter} from '../providers/provider.js'
import {simControl} from '../sim/control/control-client.js'
import type {Job, JobKind} from '../store/jobs-repo.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {SqliteDatabase} from '../store/sql/sqlite-database.js'
import {Store} from '../store/store.js'
import {startServiceHarness, type ServiceHarness} from '../../test/support/service-context.js'
import type {ServiceContext} from './context.js'
import {CRASH_POINTS, SLICE_CRASH_POINTS, WORKLOAD_CRASH_POINTS, type CrashPoint} from './crash-points.js'
import {runPreserveStep} from './preserve-job.js'
import {runProvisionStep, type JobOutcome} from './provision-job.js'
import type {SealingKeyHolder} from './replayable-private-key.js'
import {runReleaseStep} from './release-job.js'
import {createSession, createSessionBySpec, releaseSession, resumeSession, type CreateSessionInput} from './session-service.js'
import {accrueSession} from './ledger-accrual.js'
import {Reconciler} from './reconciler.js'
import {sessionCost} from './cost-service.js'
import {diagnoseSession} from './session-diagnostics.js'
import {runSettleStep} from './settle-job.js'
import {PAGE_HEALTH_MEMO_MS, healthOfOffers, healthOfPage} from './offer-health.js'
import {COOL_DOWN_MS, HEALTH_HALF_LIFE_MS, UNTRIED_CONFIDENCE} from '../core/offer-health.js'

/** A vLLM server of a small model, with a token for it. */
const SERVE_MODEL: Partial<CreateSessionInput> = {
  workloadType: 'llm_vllm',
  launch: {workloadType: 'llm_vllm', image: null, onStart: null, env: {HF_TOKEN: 'hf_test'}, exposePorts: [], modelId: 'org/model-1'},
}

type SimInstance = {id: number; label: string | null; sim: {destroyed_at: number | null; attached_keys: number}}

const HANDLERS: Record<JobKind, (ctx: ServiceContext, job: Job) => Promise<JobOutcome>> = {
  provision: runProvisionStep,
  release: runReleaseStep,
  settle: runSettleStep,
  preserve: runPreserveStep,
}

/**
 * The provisioner, one step at a time, against a simulated Vast.ai on loopback (real HTTP, real
 * SSH) and a real SQLite store, on one manual clock: each step starts from what the store says,
 * as it would after a restart, and the clock moves only when a step asked to be run later.
 */
describe('provision job', () => {
  let h: ServiceHarness
  let ctx: ServiceContext
  let market: Offer[]
  const reopened: Store[] = []
  const databaseFile = () => (ctx.store.db as SqliteDatabase).file

  const simInstances = async () => (await simControl<{instances: SimInstance[]}>(h.vast.url, 'GET', '/_sim/instances')).instances
  const instancesOf = async (sessionId: string) => (await simInstances()).filter((i) => i.label === instanceLabel(ctx.deploymentId, sessionId))
  const createRequests = async () =>
    (await simControl<{requests: {method: string; path: string}[]}>(h.vast.url, 'GET', '/_sim/requests?path_prefix=/api/v0/asks/')).requests.filter((r) => r.method === 'PUT')
  const session = async (id: string) => (await ctx.store.sessions.get(id))!
  const events = (id: string) => ctx.store.events.listAfter(id)

  /** Offers as the refresh worker would have stored them: the simulator's market, read through the adapter. */
  const offerFor = (n = 0) => market.filter((o) => o.gpuCount === 1)[n]!

  const request = (over: Partial<CreateSessionInput> = {}): CreateSessionInput => sessionInputFixture(offerFor().id, over)
  const newSession = async (over: Partial<CreateSessionInput> = {}, key = `key-${Math.random()}`) =>
    (await createSession(ctx, request(over), {key, fingerprint: request(over)})).session.id

  /** The session's provision job as the runner would hand it over (claimed, one attempt more). */
  const claim = async (id: string, kind: JobKind = 'provision'): Promise<Job> => {
    const open = (await ctx.store.jobs.openFor(id, kind))[0]
    if (!open) throw new Error(`no open ${kind} job for ${id}`)
    await ctx.store.db.run('UPDATE jobs SET run_at = ? WHERE id = ?', [ctx.clock.now(), open.id])
    return (await ctx.store.jobs.claimNext(ctx.clock.now(), ctx.timings.jobLeaseMs, ctx.processId))!
  }
  /** One step of the session's provision job, its outcome written back as the runner does. */
  const step = async (id: string): Promise<JobOutcome> => {
    const job = await claim(id)
    const outcome = await runProvisionStep(ctx, job)
    await settleJob(job, outcome)
    return outcome
  }
  const settleJob = async (job: Job, outcome: JobOutcome) => {
    const now = ctx.clock.now()
    if (outcome.done) await ctx.store.jobs.complete(job.id, ctx.processId, now)
    else await ctx.store.jobs.reschedule(job.id, ctx.processId, now + outcome.retryInMs, now, outcome.error ?? null)
  }
  /**
   * Runs whatever jobs are due, moving the clock to the next one when none is, until `done`
   * holds for the session; a bounded number of steps, never a wait.
   */
  const drive = async (id: string, done: (s: StoredSession) => boolean | Promise<boolean>, maxSteps = 60): Promise<StoredSession> => {
    for (let i = 0; i < maxSteps; i++) {
      const current = await session(id)
      if (await done(current)) return current
      const job = await ctx.store.jobs.claimNext(ctx.clock.now(), ctx.timings.jobLeaseMs, ctx.processId)
      if (!job) {
        const next = await ctx.store.jobs.nextRunAt()
        if (next === null) break
        h.clock.set(Math.max(next, ctx.clock.now() + 1))
        continue
      }
      await settleJob(job, await HANDLERS[job.kind](ctx, job))
    }
    throw new Error(`${id} did not get there: ${JSON.stringify(await session(id))}`)
  }

  /** A provider that behaves as the simulator's adapter except where a test says otherwise. */
  const withAdapter = (override: (real: ProviderAdapter) => Partial<ProviderAdapter>) => {
    const real = h.ctx.providers.get('vastai')
    const adapter: ProviderAdapter = {
      name: real.name,
      capabilities: real.capabilities,
      searchOffers: (query, options) => real.searchOffers(query, options),
      createInstance: (request, options) => real.createInstance(request, options),
      getInstance: (id, options) => real.getInstance(id, options),
      listInstances: (filter, options) => real.listInstances(filter, options),
      destroyInstance: (id, options) => real.destroyInstance(id, options),
      attachSshKeys: (id, keys, options) => real.attachSshKeys!(id, keys, options),
      instanceCharge: (id, span, options) => real.instanceCharge!(id, span, options),
      ...override(real),
    }
    h.ctx.providers.register('vastai', {baseUrl: h.vast.url, adapter})
  }

  beforeEach(async () => {
    h = await startServiceHarness()
    ctx = h.ctx
    market = (await ctx.providers.get('vastai').searchOffers({gpuType: 'RTX 4090'})).sort((a, b) => a.pricePerHour - b.pricePerHour)
    await ctx.store.offers.upsertMany(market)
    await simControl(h.vast.url, 'DELETE', '/_sim/requests')
    // Workload variables are kept sealed with the data dir's key.
    ;(ctx.daemonKey as SealingKeyHolder).sealingKey = randomBytes(32)
  })
  afterEach(async () => {
    delete process.env.GPU_SHOPPER_CRASH_AT
    vi.restoreAllMocks()
    for (const store of reopened.splice(0)) await store.close()
    await h.close()
  })

  it('takes a session from pending to running: one create, labelled, with every key; SSH verified; the reservation counted from the start', async () => {
    const id = await newSession({diskGb: 200})
    const quoted = (await session(id)).pricePerHour
    expect(quoted).toBe(priceForDisk(offerFor(), 200))

    // When the first step runs, Then the instance is rented once, under the session's label, and polled
    const first = await step(id)
    expect(first).toEqual({done: false, retryInMs: ctx.timings.pollIntervalMs})
    const rented = await session(id)
    expect(rented).toMatchObject({status: 'provisioning', createAttemptedAt: h.clock.now()})
    expect(rented.providerInstanceId).toMatch(/^\d+$/)
    const [instance, ...others] = await instancesOf(id)
    expect(others).toEqual([])
    expect(String(instance!.id)).toBe(rented.providerInstanceId)
    // The session's own key and the daemon's, to verify access with
    expect(instance!.sim.attached_keys).toBe(2)

    // When the instance comes up, Then SSH is verified and the session runs from then
    const running = await drive(id, (s) => s.status === 'running')
    expect(running).toMatchObject({startedAt: h.clock.now(), expiresAt: h.clock.now() + 2 * 3_600_000, sshUser: 'root'})
    expect(running.sshHostKeyFingerprint).toMatch(/^SHA256:/)
    expect((await events(id)).filter((e) => e.toStatus).map((e) => e.toStatus)).toEqual(['pending', 'provisioning', 'running'])
    // The late phases, each an event: the address the provider reports, SSH logged in, the GPUs seen.
    const phases = (await events(id)).filter((e) => ['address', 'ssh_ready', 'gpu_check'].includes(e.type))
    expect(phases.map((e) => e.type)).toEqual(['address', 'ssh_ready', 'gpu_check'])
    expect(phases[0]!.message).toMatch(/^address: .*checking SSH at root@127\.0\.0\.1:\d+$/)
    expect(phases[1]!.message).toMatch(/^SSH ready: logged in as root@127\.0\.0\.1:\d+, host key SHA256:/)
    expect(phases[2]!.message).toBe('GPU check: nvidia-smi in the instance lists 1x NVIDIA GeForce RTX 4090, as rented')
    expect(await createRequests()).toHaveLength(1)
    expect(await ctx.store.jobs.openFor(id, 'provision')).toEqual([])
    // It runs at the price the provider bills, which is the price quoted for the disk asked for
    const billing = (await ctx.store.billing.get(id))!
    expect(running.pricePerHour).toBe(billing.computePerHour + billing.storagePerHour)
    expect(running.pricePerHour).toBe(quoted)
  })

  it('commits the create attempt to disk before the provider is called', async () => {
    const id = await newSession()
    let seenFromAnotherConnection: unknown
    withAdapter((real) => ({
      createInstance: async (request, options) => {
        // Another connection sees only what was committed: what a crash right now would leave.
        const other = new Database(databaseFile(), {readonly: true})
        seenFromAnotherConnection = other.prepare('SELECT status, create_attempted_at AS attempted, provider_instance_id AS instance FROM sessions WHERE id = ?').get(id)
        other.close()
        return real.createInstance(request, options)
      },
    }))
    await step(id)
    expect(seenFromAnotherConnection).toEqual({status: 'provisioning', attempted: h.clock.now(), instance: null})
  })

  it('adopts the instance a create made when its reply was lost, and never rents a second one', async () => {
    // Given a create that lands at the provider but whose reply is lost, and a list that lags a minute
    await simControl(h.vast.url, 'POST', '/_sim/config', {list_lag_ms: 60_000})
    await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['500_after'], paths: ['/api/v0/asks/'], count: 1})
    const id = await newSession()

    const lost = await step(id)
    expect(lost).toMatchObject({done: false, error: expect.stringMatching(/500/)})
    expect(await session(id)).toMatchObject({providerInstanceId: null, createAttemptedAt: h.clock.now()})
    expect((await events(id)).at(-1)).toMatchObject({type: 'retry'})

    // When it is retried while the label is not listed yet, Then it waits instead of renting again
    h.clock.advance(10_000)
    const waiting = await step(id)
    expect(waiting).toMatchObject({done: false})
    expect(waiting.done === false && waiting.retryInMs).toBeLessThanOrEqual(10_000)
    expect((await events(id)).at(-1)!.message).toMatch(/earlier create may still appear/)
    expect(await createRequests()).toHaveLength(1)

    // When the label is listed, Then that instance is adopted, and the session comes up on it
    const running = await drive(id, (s) => s.status === 'running')
    const instances = await instancesOf(id)
    expect(instances.map((i) => String(i.id))).toEqual([running.providerInstanceId])
    expect(await createRequests()).toHaveLength(1)
    expect((await events(id)).some((e) => /adopted instance/.test(e.message))).toBe(true)
    // The create died before attaching the keys: SSH refused them, and they were attached again
    expect((await events(id)).some((e) => /SSH keys attached again/.test(e.message))).toBe(true)
  })

  it('rents again after a create that never reached the provider, but only once the doubt window has passed', async () => {
    await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['500'], paths: ['/api/v0/asks/'], count: 1})
    const id = await newSession()
    await step(id)
    expect(await instancesOf(id)).toEqual([])

    h.clock.advance(ctx.timings.createDoubtMs - 1)
    await step(id)
    expect((await createRequests()).length).toBe(1)

    h.clock.advance(1)
    await step(id)
    expect((await instancesOf(id)).map((i) => String(i.id))).toEqual([(await session(id)).providerInstanceId])
    expect((await createRequests()).length).toBe(2)
  })

  describe('resumes after the daemon dies at each crash point, with exactly one instance', () => {
    class Killed extends Error {}
    /**
     * Makes `crashPoint(point)` behave as the SIGKILL it sends: the store takes no more writes
     * from this "process". The step then fails however it fails; what is on disk is what a real
     * kill leaves.
     */
    const dieAt = (point: CrashPoint) => {
      process.env.GPU_SHOPPER_CRASH_AT = point
      const killed = {at: null as CrashPoint | null, closed: Promise.resolve()}
      vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
      vi.spyOn(process, 'kill').mockImplementation((pid, signal) => {
        if (pid !== process.pid || signal !== 'SIGKILL') throw new Error(`unexpected kill(${pid}, ${String(signal)})`)
        killed.at = point
        // Closing takes the store's lock at once: every statement after this one fails.
        killed.closed = ctx.store.db.close()
        throw new Killed(point)
      })
      return killed
    }
    /** The next daemon: the same database file, its leases handed back as at start-up. */
    const restart = async (killed: {closed: Promise<void>}) => {
      await killed.closed
      delete process.env.GPU_SHOPPER_CRASH_AT
      vi.restoreAllMocks()
      const store = Store.open(databaseFile())
      reopened.push(store)
      ctx = {...ctx, store}
      await store.jobs.releaseAllLeases(ctx.clock.now())
    }

    const provisioningPoints = CRASH_POINTS.filter((p) => !['after-destroy-call', 'before-mark-stopped', ...SLICE_CRASH_POINTS, ...WORKLOAD_CRASH_POINTS].includes(p))
    it('covers every crash point on the way up', () => {
      expect(provisioningPoints).toEqual([
        'after-intent-commit',
        'after-provider-create',
        'before-record-provider-id',
        'after-record-provider-id',
        'after-instance-address',
        'during-ssh-verify',
        'after-ssh-ready',
        'after-gpu-check',
      ])
    })

    for (const point of provisioningPoints) {
      it(point, async () => {
        const killed = dieAt(point)
        let id: string | undefined
        try {
          id = await newSession({}, 'client-key')
          await drive(id, (s) => s.status === 'running')
        } catch {
          // The "process" died: whatever the step was doing stopped there.
        }
        expect(killed.at).toBe(point)

        await restart(killed)
        // A client whose reply was lost retries with its key and gets the session recorded before the crash
        id = await newSession({}, 'client-key')
        const running = await drive(id, (s) => s.status === 'running')
        expect((await instancesOf(id)).map((i) => String(i.id))).toEqual([running.providerInstanceId])
        expect(await createRequests()).toHaveLength(1)
        expect((await ctx.store.sessions.list({limit: 10})).total).toBe(1)
      })
    }

    it('after-workload-start: the workload is not started again, and the session runs once it answers', async () => {
      const killed = dieAt('after-workload-start')
      let id: string | undefined
      try {
        id = await newSession(SERVE_MODEL, 'client-key')
        await drive(id, (s) => s.status === 'running')
      } catch {
        // Died after starting the server.
      }
      expect(killed.at).toBe('after-workload-start')

      await restart(killed)
      id = await newSession(SERVE_MODEL, 'client-key')
      const running = await drive(id, (s) => s.status === 'running')
      expect((await events(id)).filter((e) => e.type === 'workload_started')).toHaveLength(1)
      expect((await fetch(`${running.apiEndpoint}/health`)).status).toBe(200)
      expect(await createRequests()).toHaveLength(1)
    })
  })

  describe('a session that preserves its disk', () => {
    const HOUR = 3_600_000
    const ledgerOf = async (id: string) => (await ctx.store.db.all<{component: string; period_start: number; period_end: number; amount_micro: number}>('SELECT component, period_start, period_end, amount_micro FROM ledger WHERE session_id = ? ORDER BY period_start', [id]))
    const total = async (id: string, component: string) => (await ledgerOf(id)).filter((r) => r.component === component).reduce((sum, r) => sum + r.amount_micro, 0)
    const charged = async (id: string) => (await simControl<{instances: {label: string | null; sim: {charged_micro_usd: number; destroyed_at: number | null}; actual_status: string}[]}>(h.vast.url, 'GET', '/_sim/instances')).instances.find((i) => i.label === instanceLabel(ctx.deploymentId, id))!

    it('is stopped on release, billing storage only; resumed, it runs its workload again; destroyed, it costs what Vast charged', async () => {
      const id = await newSession({storagePolicy: 'preserve', launch: {workloadType: 'ssh', image: null, onStart: 'echo up >> boots.txt', env: {}, exposePorts: [], modelId: null}})
      await drive(id, (s) => s.status === 'running')
      h.clock.advance(HOUR)

      // Released: stopped and kept, not destroyed
      await releaseSession(ctx, id, {actor: 'test', message: 'done for today'})
      const preserved = await drive(id, (s) => s.status === 'preserved')
      const billing = (await ctx.store.billing.get(id))!
      expect(billing).toMatchObject({endedAt: null, computeUntil: expect.any(Number)})
      expect(billing.storagePerHour).toBeGreaterThan(0)
      expect((await charged(id)).actual_status).toBe('stopped')
      expect((await charged(id)).sim.destroyed_at).toBeNull()
      expect((await events(id)).at(-1)!.message).toMatch(new RegExp(`^preserved: instance \\d+ stopped and its 50 GB disk kept, billing \\$0\\.\\d+/h for storage; resume with \`gpu-shopper sessions resume ${id}\``))
      // A release again is nothing more to do; the reconciler counts its stopped instance as the session's
      expect((await releaseSession(ctx, id, {actor: 'test', message: 'again'})).status).toBe('preserved')
      const report = await new Reconciler(ctx).run({dryRun: false, orphanGraceMs: 0})
      expect([report.orphans, report.ghosts]).toEqual([[], []])

      // Two hours stopped: storage bills, compute does not
      const computeBefore = await total(id, 'compute')
      h.clock.advance(2 * HOUR)
      await accrueSession(ctx, preserved, h.clock.now())
      expect(await total(id, 'compute')).toBe(computeBefore)
      const storageRows = (await ledgerOf(id)).filter((r) => r.component === 'storage')
      expect(storageRows.at(-1)!.period_end).toBe(h.clock.now())
      expect(await total(id, 'storage')).toBe(costForDuration(billing.storagePerHour, h.clock.now() - billing.storageFrom))
      // The cost view tells the disk apart from the machine
      expect((await sessionCost(ctx, id)).byComponent).toEqual({compute: computeBefore, storage: await total(id, 'storage')})

      // Resumed: SSH verified again, the workload started on the new boot, compute billing again
      const resumedAt = h.clock.now()
      await resumeSession(ctx, id)
      const again = await drive(id, (s) => s.status === 'running')
      expect(again.resumes).toBe(1)
      expect((await events(id)).filter((e) => e.type === 'workload_started')).toHaveLength(2)
      const resumedBilling = (await ctx.store.billing.get(id))!
      expect(resumedBilling.computeUntil).toBeNull()
      expect(resumedBilling.computeFrom!).toBeGreaterThanOrEqual(resumedAt)
      h.clock.advance(HOUR)

      // Destroyed: gone at the provider, and the ledger squared with what it charged
      await releaseSession(ctx, id, {actor: 'test', message: 'finished'}, 'destroy')
      await drive(id, (s) => s.status === 'stopped')
      const instance = await charged(id)
      expect(instance.sim.destroyed_at).not.toBeNull()
      // Our running estimate is never the smaller; the settlement makes it exactly what was charged
      expect(await ctx.store.ledger.totalForSession(id)).toBeGreaterThanOrEqual(instance.sim.charged_micro_usd)
      await drive(id, async () => (await ctx.store.billing.get(id))!.settledAt !== null)
      expect(await ctx.store.ledger.totalForSession(id)).toBe(instance.sim.charged_micro_usd)
    })

    it('keeps the disk when a resume does not come up: the instance is stopped again and the session preserved, not failed or moved', async () => {
      const id = await newSession({storagePolicy: 'preserve', retry: {autoRetry: true, maxRetries: 2, scope: null, sshTimeoutSeconds: null}})
      await drive(id, (s) => s.status === 'running')
      await releaseSession(ctx, id, {actor: 'test', message: 'done for today'})
      await drive(id, (s) => s.status === 'preserved')

      // Given its machine no longer lets anyone in
      await simControl(h.vast.url, 'POST', '/_sim/config', {broken_machines: {[offerFor(0).hostId!.slice('vastai:'.length)]: 'no_ssh'}})
      await resumeSession(ctx, id)
      await drive(id, (s) => s.sshHost !== null && s.resumes === 1)
      h.clock.advance(ctx.timings.provisionTimeoutMs + 1)

      // When the resume times out, Then it is stopped and preserved again, its disk kept
      const kept = await drive(id, (s) => s.status === 'preserved')
      expect(kept.retriedAs).toBeNull()
      expect((await events(id)).some((e) => /^resume failed: provisioning timed out after 15 min; stopping the instance again and keeping its disk$/.test(e.message))).toBe(true)
      expect(await charged(id)).toMatchObject({actual_status: 'stopped', sim: {destroyed_at: null}})
      expect((await ctx.store.billing.get(id))!.computeUntil).not.toBeNull()
    })
  })

  describe('with a workload', () => {
    it('starts the model server once SSH and the GPUs are verified, and runs only once /health answers at the published port', async () => {
      await simControl(h.vast.url, 'POST', '/_sim/config', {timings: {model_load_ms: 20_000}})
      const id = await newSession(SERVE_MODEL)
      const loading = await drive(id, (s) => s.apiEndpoint != null && s.workloadStartedAt != null)
      expect(loading.status).toBe('provisioning')
      expect(loading.apiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((await fetch(`${loading.apiEndpoint}/health`)).status).toBe(503)

      const running = await drive(id, (s) => s.status === 'running', 100)
      expect(running.startedAt! - loading.workloadStartedAt!).toBeGreaterThanOrEqual(20_000)
      const types = (await events(id)).map((e) => e.type)
      expect(types.indexOf('gpu_check')).toBeLessThan(types.indexOf('workload_started'))
      const messages = (await events(id)).map((e) => e.message)
      expect(messages).toContainEqual(expect.stringMatching(/^workload started: serving org\/model-1 \(vllm\/vllm-openai:v0\.8\.5\)/))
      expect(messages).toContainEqual(`waiting for the model server: ${loading.apiEndpoint}/health 503`)
      expect(messages.at(-1)).toMatch(new RegExp(`^running: SSH verified .*; the model server answers /health at ${running.apiEndpoint}$`))
      const models = (await (await fetch(`${running.apiEndpoint}/v1/models`)).json()) as {data: {id: string}[]}
      expect(models.data.map((m) => m.id)).toEqual(['org/model-1'])
    })

    it('is diagnosed healthy while it serves, and out of memory once the kernel kills the server', async () => {
      const id = await newSession(SERVE_MODEL)
      const running = await drive(id, (s) => s.status === 'running')

      const healthy = await diagnoseSession(ctx, id)
      expect(healthy).toMatchObject({
        provider: {instanceId: running.providerInstanceId, state: 'running', error: null},
        ssh: {reachable: true, target: `root@${running.sshHost}:${running.sshPort}`, error: null},
        workload: {healthUrl: `${running.apiEndpoint}/health`, health: 200},
        problems: [],
      })
      expect(healthy.readings).toMatchObject({gpus: [{name: expect.stringContaining('RTX 4090')}], disk: {sizeGb: expect.any(Number)}, memory: {totalMiB: expect.any(Number)}})
      // In a container the kernel log is not readable, and a cgroup that never OOMed has no events file here
      expect(healthy.readings).toMatchObject({oomKernelLines: null, oomKills: null})
      expect(healthy.workload!.logTail.join('\n')).toMatch(/Uvicorn running on http:\/\/0\.0\.0\.0:8000/)

      await simControl(h.vast.url, 'POST', '/_sim/oom', {instance_id: Number(running.providerInstanceId), process: 'python3'})
      const oom = await diagnoseSession(ctx, id)
      expect(oom.readings!.oomKills).toBe(1)
      expect(oom.workload!.logTail.at(-1)).toBe('Killed')
      expect(oom.workload!.health).toMatch(/^not answering/)
      expect(oom.problems).toEqual(['out of memory: 1 process(es) killed by the kernel', expect.stringMatching(/^the workload's health check http:\/\/127\.0\.0\.1:\d+\/health answers not answering/)])
    })

    it('runs an image that only publishes a port once SSH is verified, the port its api_endpoint', async () => {
      const id = await newSession({launch: {workloadType: 'ssh', image: 'pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime', onStart: null, env: {}, exposePorts: [6006], modelId: null}})
      const running = await drive(id, (s) => s.status === 'running')
      expect(running.apiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(running.workloadStartedAt).toBeNull()
      expect((await events(id)).map((e) => e.type)).not.toContain('workload_started')
      expect((await events(id)).at(-1)!.message).toMatch(/; pytorch\/pytorch:2\.5\.1-cuda12\.4-cudnn9-runtime booted, port 6006 published at http/)
    })

    it('runs an on-start command and is running once it is started, with its port published', async () => {
      const id = await newSession({launch: {...SERVE_MODEL.launch!, workloadType: 'ssh', modelId: null, onStart: 'echo started > ran.txt', exposePorts: [6006]}, workloadType: 'ssh'})
      const running = await drive(id, (s) => s.status === 'running')
      expect(running.apiEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect((await events(id)).map((e) => e.message)).toContainEqual(expect.stringMatching(/^workload started: `echo started > ran.txt`/))
    })
  })

  describe('when a job is taken over from an attempt that stalled in its create (a process starved past its lease)', () => {
    /** The first create waits until woken, as a create stuck in a stalled process would; `redirect` changes what it then asks for. */
    const stallFirstCreate = (redirect: (req: CreateInstanceRequest) => CreateInstanceRequest = (req) => req) => {
      let wake!: () => void
      const stalled = new Promise<void>((resolve) => (wake = resolve))
      let creates = 0
      withAdapter((real) => ({
        createInstance: async (req, options) => {
          if (creates++ > 0) return real.createInstance(req, options)
          await stalled
          return real.createInstance(redirect(req), options)
        },
      }))
      return wake
    }
    /** The stalled attempt, and the one that takes its job over once the create's doubt has passed; the id the second recorded. */
    const raceForTheJob = async (id: string, wake: () => void): Promise<string> => {
      const job = await claim(id)
      const stalled = runProvisionStep(ctx, job)
      await vi.waitFor(async () => expect((await session(id)).createAttemptedAt).not.toBeNull())
      h.clock.advance(ctx.timings.createDoubtMs + 1)
      await runProvisionStep(ctx, job)
      const owned = (await session(id)).providerInstanceId!
      expect(owned).not.toBeNull()
      wake()
      await stalled
      return owned
    }

    it('destroys the duplicate the stalled create made, and keeps the instance recorded first', async () => {
      // Given the stalled create lands after all (on a machine with room for another: another offer here)
      const id = await newSession()
      const owned = await raceForTheJob(id, stallFirstCreate((req) => ({...req, offerProviderId: offerFor(1).providerId})))

      // Then the session keeps the instance recorded first, and the duplicate is destroyed and verified gone
      expect((await session(id)).providerInstanceId).toBe(owned)
      const instances = await instancesOf(id)
      expect(instances).toHaveLength(2)
      expect(instances.filter((i) => i.sim.destroyed_at === null).map((i) => String(i.id))).toEqual([owned])
      const duplicate = (await events(id)).find((e) => e.type === 'duplicate')
      expect(duplicate?.message).toMatch(new RegExp(`^destroyed duplicate instance \\d+ and verified it gone: instance ${owned} was recorded for this session first$`))
      // And the session goes on to run on its instance
      expect((await drive(id, (s) => s.status === 'running')).providerInstanceId).toBe(owned)
    })

    it('goes on with the instance the other attempt recorded when the stalled create is refused, instead of failing the session', async () => {
      // Given the stalled create is refused: the other attempt rented the offer
      const id = await newSession()
      const owned = await raceForTheJob(id, stallFirstCreate())

      // Then the session is not failed: it runs on the one instance
      expect((await session(id)).status).toBe('provisioning')
      expect((await instancesOf(id)).map((i) => String(i.id))).toEqual([owned])
      expect((await drive(id, (s) => s.status === 'running')).providerInstanceId).toBe(owned)
    })
  })

  describe('when the provider refuses the create', () => {
    it('fails the session with the reason, saying no instance was created, and queues nothing to destroy', async () => {
      withAdapter(() => ({
        createInstance: () => Promise.reject(new InsufficientCreditError('vastai', 'vastai: the account has $0.00 of credit; no instance was created')),
      }))
      const id = await newSession()
      expect(await step(id)).toEqual({done: true})
      expect(await session(id)).toMatchObject({status: 'failed', stoppedAt: h.clock.now(), providerInstanceId: null})
      // Said once, though the adapter already said it
      expect((await session(id)).failureReason).toBe('provider_error: vastai: the account has $0.00 of credit; no instance was created')
      expect(await ctx.store.jobs.openFor(id, 'release')).toEqual([])
    })

    it('fails a session that named a gone offer, and takes the offer off the market', async () => {
      const offer = offerFor()
      await simControl(h.vast.url, 'DELETE', `/_sim/offers/${offer.providerId}`)
      const id = await newSession()
      expect(await step(id)).toEqual({done: true})
      expect((await session(id)).failureReason).toMatch(/^stale_inventory: offer .* is no longer available at vastai; no instance was created$/)
      expect((await ctx.store.offers.get(offer.id))!.available).toBe(false)
      expect(await simInstances()).toEqual([])
    })

    it('moves a session made from a spec to the next best offer, repriced for its disk, up to the attempt limit', async () => {
      const byspec = async () => {
        const spec = {gpuType: 'RTX 4090', gpuCount: 1, region: null, maxPricePerHour: null, minReliability: 0}
        const {offerId: _offerId, ...rest} = request({diskGb: 120})
        return (await createSessionBySpec(ctx, spec, rest, {key: undefined, fingerprint: {spec}})).session.id
      }
      const id = await byspec()
      const tried = [(await session(id)).offerId]
      await simControl(h.vast.url, 'DELETE', `/_sim/offers/${offerFor().providerId}`)

      expect(await step(id)).toEqual({done: false, retryInMs: 0})
      const moved = await session(id)
      const next = (await ctx.store.offers.get(moved.offerId))!
      expect(moved).toMatchObject({status: 'provisioning', offerAttempts: 2, createAttemptedAt: null, providerInstanceId: null})
      expect(moved.offerId).not.toBe(tried[0])
      expect(moved.pricePerHour).toBe(priceForDisk(next, 120))
      expect((await events(id)).at(-1)).toMatchObject({type: 'failover'})
      // The gone offer is remembered as the offer's failure (not its machine's), the next one on its own
      expect(moved.hostId).toBe(next.hostId)
      expect((await ctx.store.outcomes.recent(ctx.clock.now())).map((o) => [o.sessionId, o.offerId, o.hostId, o.kind])).toEqual([[id, tried[0], null, 'stale']])

      // When every next offer is gone too, Then it gives up after MAX_OFFER_ATTEMPTS
      for (let attempt = 2; attempt <= MAX_OFFER_ATTEMPTS; attempt++) {
        tried.push((await session(id)).offerId)
        await simControl(h.vast.url, 'DELETE', `/_sim/offers/${(await session(id)).offerProviderId}`)
        await step(id)
      }
      expect(await session(id)).toMatchObject({status: 'failed', offerAttempts: MAX_OFFER_ATTEMPTS})
      expect((await session(id)).failureReason).toMatch(new RegExp(`${MAX_OFFER_ATTEMPTS} offers were tried; no instance was created`))
      expect(new Set(tried).size).toBe(MAX_OFFER_ATTEMPTS)
      expect(await simInstances()).toEqual([])
    })

    it('records an instance that was created but could not be set up, fails the session and destroys the instance', async () => {
      // Attaching the keys fails however often it is retried
      await simControl(h.vast.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['500'], paths: ['/api/v0/instances/'], count: 20})
      const id = await newSession()
      expect(await step(id)).toEqual({done: true})
      await simControl(h.vast.url, 'DELETE', '/_sim/faults')
      const failed = await session(id)
      expect(failed).toMatchObject({status: 'failed', stoppedAt: null})
      expect(failed.providerInstanceId).toMatch(/^\d+$/)
      expect(failed.failureReason).toMatch(/^provider_error: .*attaching an SSH key failed/)

      const stopped = await drive(id, (s) => s.stoppedAt !== null)
      expect(stopped.status).toBe('failed')
      expect((await instancesOf(id)).map((i) => i.sim.destroyed_at !== null)).toEqual([true])
    })
  })

  it('destroys a box that is not what was listed before anyone uses it (the listing gate)', async () => {
    const id = await newSession()
    await step(id)
    const instanceId = Number((await session(id)).providerInstanceId)
    await simControl(h.vast.url, 'POST', '/_sim/gpu-report', {instance_id: instanceId, gpu_name: 'RTX 3090'})

    const failed = await drive(id, (s) => s.status === 'failed')
    expect(failed.failureReason).toMatch(/^listing_mismatch: .*RTX 3090.*the instance is destroyed/)
    expect(failed.startedAt).toBeNull()
    expect(await ctx.store.jobs.openFor(id, 'release')).toHaveLength(1)

    await drive(id, (s) => s.stoppedAt !== null)
    expect((await instancesOf(id)).map((i) => i.sim.destroyed_at !== null)).toEqual([true])
    expect((await events(id)).some((e) => e.toStatus === 'running')).toBe(false)
  })

  it('gives up on an instance that does not come up in time, and destroys it', async () => {
    await simControl(h.vast.url, 'POST', '/_sim/config', {timings: {loading_ms: 60 * 60_000}})
    const id = await newSession()
    await step(id)
    h.clock.advance(ctx.timings.provisionTimeoutMs + 1)
    expect(await step(id)).toEqual({done: true})
    expect(await session(id)).toMatchObject({status: 'failed', failureReason: 'provisioning timed out after 15 min'})
    await drive(id, (s) => s.stoppedAt !== null)
    expect((await instancesOf(id)).map((i) => i.sim.destroyed_at !== null)).toEqual([true])
  })

  it('records an instance whose create finished after the session was released, and queues its destruction', async () => {
    const id = await newSession()
    withAdapter((real) => ({
      createInstance: async (request, options) => {
        const created = await real.createInstance(request, options)
        // The user released the session while the create was on its way
        await releaseSession(ctx, id, {actor: 'test', message: 'done'})
        return created
      },
    }))
    expect(await step(id)).toEqual({done: true})
    expect((await session(id)).status).toBe('stopping')
    expect((await session(id)).providerInstanceId).toMatch(/^\d+$/)
    expect(await ctx.store.jobs.openFor(id, 'release')).toHaveLength(1)

    const stopped = await drive(id, (s) => s.status === 'stopped')
    expect(stopped.stoppedAt).not.toBeNull()
    expect((await instancesOf(id)).map((i) => i.sim.destroyed_at !== null)).toEqual([true])
  })

  it('does nothing for a session that was released before its first step', async () => {
    const id = await newSession()
    await releaseSession(ctx, id, {actor: 'test', message: 'changed my mind'})
    expect(await step(id)).toEqual({done: true})
    expect(await createRequests()).toEqual([])
    expect((await session(id)).providerInstanceId).toBeNull()
  })

  describe('auto-retry and offer health', () => {
    const RETRY = {autoRetry: true, maxRetries: 2, scope: null, sshTimeoutSeconds: 60}
    const machineOf = (offer: Offer) => offer.hostId!.slice('vastai:'.length)
    const breakMachines = (offers: Offer[], fault: 'no_ssh' | 'no_boot') =>
      simControl(h.vast.url, 'POST', '/_sim/config', {broken_machines: Object.fromEntries(offers.map((o) => [machineOf(o), fault]))})

    it('moves past a host that never lets us in: the failed try is destroyed and verified gone, a new session runs on the next comparable offer, and both outcomes are recorded', async () => {
      // Given the cheapest RTX 4090's machine takes no SSH key
      const first = offerFor(0)
      await breakMachines([first], 'no_ssh')
      const id = await newSession({retry: RETRY})

      // When the session is provisioned with auto-retry and a 60 s SSH timeout, and SSH is refused past it
      await drive(id, (s) => s.sshHost !== null)
      await step(id)
      h.clock.advance(60_001)
      const failed = await drive(id, (s) => s.status === 'failed')

      // Then the first try fails on its host and names the session that takes its place
      expect(failed.failureReason).toMatch(/^the host did not let us in over SSH within 60 s; auto-retry: sess-[0-9a-f]+ takes its place on vastai-\d+$/)
      const nextId = failed.retriedAs!
      expect((await events(id)).map((e) => e.type)).toContain('retry')
      const next = await drive(nextId, (s) => s.status === 'running')
      expect(next).toMatchObject({retryOf: id, retryAttempt: 1, gpuType: first.gpuType, gpuCount: 1, sshPublicKey: failed.sshPublicKey, retry: {maxRetries: 2, sshTimeoutMs: 60_000}})
      expect(next.offerId).not.toBe(first.id)
      expect(next.hostId).not.toBe(first.hostId)
      // And the failed host's instance is destroyed and verified gone, billed to its own session
      await drive(id, (s) => s.stoppedAt !== null)
      expect((await instancesOf(id)).map((i) => i.sim.destroyed_at !== null)).toEqual([true])
      expect((await instancesOf(nextId)).map((i) => i.sim.destroyed_at)).toEqual([null])
      expect(await ctx.store.billing.get(id)).toMatchObject({endedAt: expect.any(Number)})
      // And each try's outcome is on its offer and machine
      const outcomes = await ctx.store.outcomes.recent(ctx.clock.now())
      expect(outcomes.map((o) => [o.sessionId, o.kind, o.hostId])).toEqual(
        expect.arrayContaining([
          [id, 'ssh_timeout', first.hostId],
          [nextId, 'running', next.hostId],
        ]),
      )
      const health = await healthOfOffers(ctx, [first, (await ctx.store.offers.get(next.offerId))!])
      expect(health.get(first.id)!.confidence).toBeLessThan(UNTRIED_CONFIDENCE)
      expect(health.get(next.offerId)!.confidence).toBeGreaterThan(UNTRIED_CONFIDENCE)
    })

    it('stops after its last retry and says why; a host that never boots counts as failed too', async () => {
      await breakMachines([offerFor(0), offerFor(1)], 'no_boot')
      const id = await newSession({retry: {...RETRY, maxRetries: 1}})
      const first = await drive(id, (s) => s.status === 'failed')
      expect(first.failureReason).toMatch(/^instance failed at vastai: .*auto-retry: sess-/s)
      const second = await drive(first.retriedAs!, (s) => s.status === 'failed')
      expect(second.failureReason).toMatch(/not retried: no retries left \(1 allowed\)$/)
      expect(second.retriedAs).toBeNull()
      expect((await ctx.store.outcomes.recent(ctx.clock.now())).map((o) => o.kind)).toEqual(['boot_failed', 'boot_failed'])
    })

    it('without auto-retry, a host that fails only fails the session (and is remembered)', async () => {
      await breakMachines([offerFor(0)], 'no_boot')
      const id = await newSession()
      const failed = await drive(id, (s) => s.status === 'failed')
      expect(failed.retriedAs).toBeNull()
      expect(failed.failureReason).not.toMatch(/retr/)
      expect((await ctx.store.outcomes.recent(ctx.clock.now())).map((o) => [o.kind, o.hostId])).toEqual([['boot_failed', offerFor(0).hostId]])
    })

    it('skips a host that failed twice in a row for an hour when it picks by spec, then tries it again', async () => {
      const cheapest = offerFor(0)
      for (const sessionId of ['sess-0000000000a1', 'sess-0000000000a2']) {
        await ctx.store.outcomes.record({sessionId, provider: 'vastai', offerId: cheapest.id, hostId: cheapest.hostId!, kind: 'ssh_timeout', detail: null, at: ctx.clock.now()})
      }
      const bySpec = () =>
        createSessionBySpec(ctx, {gpuType: 'RTX 4090', gpuCount: 1, region: null, maxPricePerHour: null, minReliability: 0}, request(), {key: `spec-${Math.random()}`, fingerprint: 1})
      const skipped = (await bySpec()).session
      expect(skipped.offerId).not.toBe(cheapest.id)
      await releaseSession(ctx, skipped.id, {actor: 'test', message: 'done'})
      h.clock.advance(COOL_DOWN_MS + 1)
      // Two failures still weigh: it is tried again only when it is still the best per working box.
      const health = (await healthOfOffers(ctx, [cheapest])).get(cheapest.id)!
      expect(health).toMatchObject({attempts: 2, failures: 2, consecutiveFailures: 2, coolingDownUntil: null})
      expect(health.confidence).toBeCloseTo((0.9 * 2) / (2 + 2 * 0.5 ** ((COOL_DOWN_MS + 1) / HEALTH_HALF_LIFE_MS)), 3)
    })

    it("remembers a page's health until an outcome is recorded in this process, or for PAGE_HEALTH_MEMO_MS when another process records one", async () => {
      // Given a page of the inventory as the store remembers it (frozen), asked for twice
      const [a, b] = [offerFor(0), offerFor(1)]
      const page = Object.freeze([a, b])
      const asked = vi.spyOn(ctx.store.outcomes, 'ofOffers')
      expect((await healthOfPage(ctx, page)).size).toBe(0)
      expect((await healthOfPage(ctx, page)).size).toBe(0)
      // Then the outcomes were read once
      expect(asked).toHaveBeenCalledTimes(1)

      // When an outcome is recorded here, Then the page shows it at once
      await ctx.store.outcomes.record({sessionId: 'sess-0000000000b1', provider: 'vastai', offerId: a.id, hostId: a.hostId!, kind: 'ssh_timeout', detail: null, at: ctx.clock.now()})
      expect((await healthOfPage(ctx, page)).get(a.id)).toMatchObject({attempts: 1, failures: 1})
      expect(asked).toHaveBeenCalledTimes(2)

      // When another process records one (written behind this one's back), Then it shows once the memo has lapsed
      await ctx.store.db.run(
        'INSERT INTO provision_outcomes (session_id, provider, offer_id, host_id, succeeded, kind, detail, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        ['sess-0000000000b2', 'vastai', b.id, b.hostId, 0, 'boot_failed', null, ctx.clock.now()],
      )
      expect((await healthOfPage(ctx, page)).has(b.id)).toBe(false)
      h.clock.advance(PAGE_HEALTH_MEMO_MS)
      expect((await healthOfPage(ctx, page)).get(b.id)).toMatchObject({attempts: 1, failures: 1})

      // And offers that are not a remembered page are read every time
      await healthOfPage(ctx, [a])
      await healthOfPage(ctx, [a])
      expect(asked).toHaveBeenCalledTimes(5)
    })

    it('refuses retry settings without auto-retry, naming the field, before anything is rented', async () => {
      await expect(newSession({retry: {autoRetry: false, maxRetries: 3, scope: null, sshTimeoutSeconds: null}})).rejects.toMatchObject({
        errorType: 'validation_error',
        details: {field: 'max_retries'},
      })
      expect(await createRequests()).toEqual([])
    })
  })
})
