import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {CRASH_POINTS, SLICE_CRASH_POINTS, WORKLOAD_CRASH_POINTS, type CrashPoint} from '../../src/services/crash-points.js'
import {startSimulators, type Simulators} from '../../src/sim/index.js'
import {simControl} from '../../src/sim/control/control-client.js'
import {generateSessionKeyPair} from '../../src/ssh/keys.js'
import {daemonApi, startDaemonProcess, type DaemonProcess} from '../support/daemon-process.js'
import {pollUntil} from '../support/poll.js'

type SimInstance = {id: number; label: string | null; sim: {destroyed_at: number | null; charged_micro_usd: number}}

const RELEASE_POINTS: readonly CrashPoint[] = ['after-destroy-call', 'before-mark-stopped']

/**
 * For every named crash point: the daemon dies there as with kill -9, a new daemon starts on
 * the same data dir, and the provider ends up with exactly the instances live sessions own,
 * never two for one session, and every session ends running or stopped.
 */
describe('crash recovery at every named point', () => {
  let sims: Simulators
  const publicKey = generateSessionKeyPair('crash-test').publicKey

  beforeAll(async () => {
    sims = await startSimulators({providers: ['vastai']})
  })
  afterAll(async () => sims?.close())

  async function simInstances(): Promise<SimInstance[]> {
    return (await simControl<{instances: SimInstance[]}>(sims.vastai.url, 'GET', '/_sim/instances')).instances
  }

  async function untilStatus(daemon: DaemonProcess, id: string, status: string) {
    return pollUntil(async () => {
      const s = (await daemonApi(daemon, 'GET', `/api/v1/sessions/${id}`)).body
      if (s.status === 'failed') throw new Error(`session failed: ${s.failure_reason}`)
      return s.status === status ? s : undefined
    }, `session ${id} ${status}`, 30_000)
  }

  // A self-hosted slice's own points are proven against a real libvirt in selfhosted-slice-crash.test.ts.
  // The points between the instance's address and the GPU check resume exactly as a crash while
  // verifying SSH does (the next step polls the instance again): they are proven in process by
  // provision-job.test.ts and with real kills on a real guest by selfhosted-slice.test.ts.
  // A session with a workload's own point is proven in process by provision-job.test.ts (the start is not repeated).
  const LATE_PHASES: readonly CrashPoint[] = ['after-instance-address', 'after-ssh-ready', 'after-gpu-check', ...WORKLOAD_CRASH_POINTS]
  for (const point of CRASH_POINTS.filter((p) => !SLICE_CRASH_POINTS.includes(p) && !LATE_PHASES.includes(p))) {
    it(`recovers from a crash at ${point}`, async () => {
      const home = mkdtempSync(join(tmpdir(), `gpu-shopper-crash-${point}-`))
      const env = {
        VASTAI_API_URL: sims.vastai.url,
        VASTAI_API_KEY: 'crash-test-key',
        GPU_SHOPPER_TIMINGS: JSON.stringify({createDoubtMs: 0, pollIntervalMs: 100, orphanGraceMs: 0, settleRetryMaxMs: 500}),
      }
      let daemon = await startDaemonProcess(home, [], {...env, GPU_SHOPPER_CRASH_AT: point})
      try {
        const deployment = daemon.state.deployment_id as string
        const [offer] = (await daemonApi(daemon, 'GET', '/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=1')).body.offers
        const request = {consumer_id: 'crash', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1, ssh_public_key: publicKey}
        const key = {'x-idempotency-key': `crash-${point}`}
        const first = await daemonApi(daemon, 'POST', '/api/v1/sessions', request, key).catch(() => null)
        const release = RELEASE_POINTS.includes(point)
        if (release) {
          const id = first!.body.session.id
          await untilStatus(daemon, id, 'running')
          await daemonApi(daemon, 'POST', `/api/v1/sessions/${id}/done`).catch(() => null)
        }
        expect(await daemon.stop('SIGCONT')).toBeNull() // it died by SIGKILL, not by exiting
        expect(daemon.output()).toContain(`GPU_SHOPPER_CRASH_AT=${point}: dying here on purpose`)

        daemon = await startDaemonProcess(home, [], env)
        // The client retries what it is unsure of, with the same key: one session, never two.
        const again = await daemonApi(daemon, 'POST', '/api/v1/sessions', request, key)
        expect(again.status).toBe(201)
        if (first) expect(again.body.session.id).toBe(first.body.session.id)
        const id = again.body.session.id as string
        const final = await untilStatus(daemon, id, release ? 'stopped' : 'running')

        const label = `gpu-shopper:${deployment}:${id}`
        const ever = (await simInstances()).filter((i) => i.label === label)
        expect(ever).toHaveLength(1)
        const alive = ever.filter((i) => i.sim.destroyed_at === null)
        if (release) {
          expect(alive).toHaveLength(0)
          // Billed what the provider charged for the instance, to the micro-dollar, however the
          // crash cut the destroy: the ledger settles with the provider's own charges.
          const charged = ever[0]!.sim.charged_micro_usd
          const cost = await pollUntil(async () => {
            const c = (await daemonApi(daemon, 'GET', `/api/v1/costs?session_id=${id}`)).body
            return c.total_cost_micro_usd === charged ? c : undefined
          }, `the ledger to settle at the ${charged} µ$ charged`)
          expect(cost.total_cost_micro_usd).toBe(charged)
        } else {
          expect(alive.map((i) => String(i.id))).toEqual([final.provider_instance_id])
          await daemonApi(daemon, 'POST', `/api/v1/sessions/${id}/done`)
          await untilStatus(daemon, id, 'stopped')
        }
        const sessions = (await daemonApi(daemon, 'GET', '/api/v1/sessions')).body.sessions
        expect(sessions).toHaveLength(1)
      } finally {
        await daemon.stop()
        rmSync(home, {recursive: true, force: true, maxRetries: 10})
      }
    })
  }
})
