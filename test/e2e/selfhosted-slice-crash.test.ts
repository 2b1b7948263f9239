import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import Database from 'better-sqlite3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SLICE_CRASH_POINTS} from '../../src/services/crash-points.js'
import {daemonApi, startDaemonProcess} from '../support/daemon-process.js'
import {ensureLibvirtHost, leftoversOf, TEST_BASE_IMAGE, TEST_POOL, virsh} from '../support/libvirt-host.js'
import {startLoopbackSshd, type LoopbackSshd} from '../support/loopback-sshd.js'
import {pollUntil} from '../support/poll.js'

/**
 * For every point a self-hosted slice's create passes (overlay disk, cloud-init seed, domain
 * defined, started), the daemon dies there as with kill -9; a new daemon on the same data dir
 * is asked to release the session and to reconcile, and the real libvirt on this machine must
 * then hold no domain and no disk of it. CPU-only slices under TCG: this machine has no GPU,
 * no IOMMU and a KVM that stops guests.
 */
describe('self-hosted crash points on this machine (CPU-only slice, TCG)', () => {
  let sshd: LoopbackSshd

  beforeAll(async () => {
    ensureLibvirtHost()
    sshd = await startLoopbackSshd()
  })
  afterAll(async () => sshd?.stop())

  const nodeBody = (name: string) => ({
    name, host: sshd.host, port: sshd.port, user: sshd.user, identity_file: sshd.identityFile, region: 'lab',
    price_per_gpu_hour: 0.5, cpu_slices: 1, cpu_slice_price_per_hour: 0.02, virt_type: 'qemu', base_image: TEST_BASE_IMAGE,
  })

  for (const point of SLICE_CRASH_POINTS) {
    it(`leaves no domain or disk behind after a crash at ${point}`, async () => {
      const home = mkdtempSync(join(tmpdir(), `gpu-shopper-slice-crash-${point}-`))
      // No marketplaces: the node is the only provider (its slices are real in every mode). A
      // guest still booting ignores the ACPI power button: release pulls the plug at once.
      const env = {GPU_SHOPPER_TIMINGS: JSON.stringify({pollIntervalMs: 200, orphanGraceMs: 0, sliceShutdownGraceMs: 0})}
      let daemon = await startDaemonProcess(home, [], {...env, GPU_SHOPPER_CRASH_AT: point})
      try {
        const deployment = daemon.state.deployment_id as string
        expect((await daemonApi(daemon, 'POST', '/api/v1/nodes', nodeBody('crash-node'))).status).toBe(201)
        const offerId = 'selfhosted-crash-node.cpu'
        await pollUntil(async () => ((await daemonApi(daemon, 'GET', '/api/v1/inventory?provider=selfhosted')).body.offers.some((o: {id: string}) => o.id === offerId) ? true : undefined), 'the slice offer')
        const request = {consumer_id: 'crash', offer_id: offerId, workload_type: 'ssh', reservation_hours: 1}
        const key = {'x-idempotency-key': `slice-crash-${point}`}
        // The reply waits a moment for the provider's answer, so the daemon may die before sending it.
        const first = await daemonApi(daemon, 'POST', '/api/v1/sessions', request, key).catch(() => null)
        // It dies where asked, part-way through making the slice.
        await pollUntil(() => (daemon.child.exitCode !== null || daemon.child.signalCode !== null ? true : undefined), `the daemon to die at ${point}`, 120_000)
        expect(daemon.output()).toContain(`GPU_SHOPPER_CRASH_AT=${point}: dying here on purpose`)

        daemon = await startDaemonProcess(home, [], env)
        // A client whose reply was lost asks again with its key, and gets the session recorded before the crash.
        const again = await daemonApi(daemon, 'POST', '/api/v1/sessions', request, key)
        expect(again.status).toBe(201)
        const id = again.body.session.id as string
        if (first) expect(first.body.session.id).toBe(id)
        // The user gives up on it: release, then reconcile. Nothing of the slice may be left.
        await daemonApi(daemon, 'POST', `/api/v1/sessions/${id}/done`)
        await pollUntil(async () => ((await daemonApi(daemon, 'GET', `/api/v1/sessions/${id}`)).body.status === 'stopped' ? true : undefined), `session ${id} stopped`, 120_000)
        const report = (await daemonApi(daemon, 'POST', '/api/v1/reconcile', {})).body
        expect(report.errors ?? []).toEqual([])
        // A create resumed after the restart may still be finishing when the release lands: its
        // instance is then recorded and released in turn. Nothing may be left once that is done.
        await pollUntil(() => {
          const left = leftoversOf(deployment)
          return left.domains.length === 0 && left.volumes.length === 0 ? true : undefined
        }, `no domain or volume of ${deployment} left`, 120_000)
        const held = (await daemonApi(daemon, 'GET', '/api/v1/nodes/crash-node')).body.held_slots
        expect(held).toEqual([])
      } finally {
        await daemon.stop()
        rmSync(home, {recursive: true, force: true, maxRetries: 10})
      }
    }, 300_000)
  }

  it('ends a session whose domain vanished from its node (a ghost) when it reconciles, billing it up to then', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-slice-ghost-'))
    const env = {GPU_SHOPPER_TIMINGS: JSON.stringify({pollIntervalMs: 200, orphanGraceMs: 0, sliceShutdownGraceMs: 0})}
    let daemon = await startDaemonProcess(home, [], {...env, GPU_SHOPPER_CRASH_AT: 'after-record-provider-id'})
    try {
      const deployment = daemon.state.deployment_id as string
      expect((await daemonApi(daemon, 'POST', '/api/v1/nodes', nodeBody('ghost-node'))).status).toBe(201)
      const offerId = 'selfhosted-ghost-node.cpu'
      await pollUntil(async () => ((await daemonApi(daemon, 'GET', '/api/v1/inventory?provider=selfhosted')).body.offers.some((o: {id: string}) => o.id === offerId) ? true : undefined), 'the slice offer')
      const created = await daemonApi(daemon, 'POST', '/api/v1/sessions', {consumer_id: 'ghost', offer_id: offerId, workload_type: 'ssh', reservation_hours: 1}).catch(() => null)
      await pollUntil(() => (daemon.child.exitCode !== null || daemon.child.signalCode !== null ? true : undefined), 'the daemon to die with the slice recorded', 120_000)
      const [domain] = leftoversOf(deployment).domains
      expect(domain).toBeDefined()
      // Someone on the node removes the VM behind the daemon's back: domain and disks.
      virsh('destroy', domain!)
      virsh('undefine', domain!)
      for (const volume of leftoversOf(deployment).volumes) virsh('vol-delete', '--pool', TEST_POOL, volume)

      daemon = await startDaemonProcess(home, [], env)
      const sessions = (await daemonApi(daemon, 'GET', '/api/v1/sessions?consumer_id=ghost')).body.sessions
      const id = (created?.body.session.id ?? sessions[0].id) as string
      const report = (await daemonApi(daemon, 'POST', '/api/v1/reconcile', {})).body
      expect(report.errors ?? []).toEqual([])
      const ended = await pollUntil(async () => {
        const s = (await daemonApi(daemon, 'GET', `/api/v1/sessions/${id}`)).body
        return s.status === 'failed' || s.status === 'stopped' ? s : undefined
      }, `session ${id} ended`, 60_000)
      expect(ended.failure_reason ?? '').toMatch(/vanished at the provider|disappeared at selfhosted/)
      expect((await daemonApi(daemon, 'GET', '/api/v1/nodes/ghost-node')).body.held_slots).toEqual([])
    } finally {
      await daemon.stop()
      rmSync(home, {recursive: true, force: true, maxRetries: 10})
    }
  }, 300_000)

  it('destroys a slice whose session has ended (an orphan) when it reconciles, disk and seed included', async () => {
    const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-slice-orphan-'))
    const env = {GPU_SHOPPER_TIMINGS: JSON.stringify({pollIntervalMs: 200, orphanGraceMs: 0, sliceShutdownGraceMs: 0})}
    let daemon = await startDaemonProcess(home, [], {...env, GPU_SHOPPER_CRASH_AT: 'after-domain-started'})
    try {
      const deployment = daemon.state.deployment_id as string
      expect((await daemonApi(daemon, 'POST', '/api/v1/nodes', nodeBody('orphan-node'))).status).toBe(201)
      const offerId = 'selfhosted-orphan-node.cpu'
      await pollUntil(async () => ((await daemonApi(daemon, 'GET', '/api/v1/inventory?provider=selfhosted')).body.offers.some((o: {id: string}) => o.id === offerId) ? true : undefined), 'the slice offer')
      const created = await daemonApi(daemon, 'POST', '/api/v1/sessions', {consumer_id: 'orphan', offer_id: offerId, workload_type: 'ssh', reservation_hours: 1})
      const id = created.body.session.id as string
      await pollUntil(() => (daemon.child.exitCode !== null || daemon.child.signalCode !== null ? true : undefined), 'the daemon to die with the domain started', 120_000)
      expect(leftoversOf(deployment).domains).toHaveLength(1)
      // The store forgets the slice (as a lost or restored database would): its domain is ours,
      // by its metadata and name, but no live session owns it.
      const db = new Database(join(home, 'data', 'gpu-shopper.db'))
      db.prepare("UPDATE sessions SET status = 'failed', stopped_at = ?, failure_reason = 'test: forgotten' WHERE id = ?").run(Date.now(), id)
      db.prepare("DELETE FROM jobs WHERE session_id = ?").run(id)
      db.close()

      daemon = await startDaemonProcess(home, [], env)
      // The daemon reconciles as it starts, and again when asked; either run destroys it.
      expect((await daemonApi(daemon, 'POST', '/api/v1/reconcile', {})).status).toBe(200)
      await pollUntil(() => {
        const left = leftoversOf(deployment)
        return left.domains.length === 0 && left.volumes.length === 0 ? true : undefined
      }, `the orphan of ${deployment} destroyed`, 120_000)
      const metrics = await (await fetch(`${daemon.url}/metrics`, {headers: {authorization: `Bearer ${daemon.token}`}})).text()
      expect(metrics).toMatch(/^gpu_shopper_orphans_destroyed 1$/m)
    } finally {
      await daemon.stop()
      rmSync(home, {recursive: true, force: true, maxRetries: 10})
    }
  }, 300_000)
})
