// Self-hosted slice: how long from a create to a running VM on this machine, and how long its
// release takes. The node is this machine, reached through a real sshd on loopback; the guest is
// the small Debian of scripts/build-test-guest.sh, booted under TCG (no usable KVM here), with
// real cloud-init. Needs what `.ci/run` sets up (scripts/libvirt-up.sh, the built guest).
// Run with `npm run bench -- slice` (after a build). SLICE_RUNS=N repeats it (default 1).
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {register} from 'tsx/esm/api'

import {startDaemon} from '../dist/daemon/server.js'
import {createLogger} from '../dist/src/log/logger.js'
import {reportRow} from './report.js'

// The test fixtures are TypeScript: the same loopback node and libvirt host the tests use.
register()
const {startLoopbackSshd} = await import('../test/support/loopback-sshd.ts')
const {ensureLibvirtHost, leftoversOf, TEST_BASE_IMAGE} = await import('../test/support/libvirt-host.ts')

const RUNS = Number(process.env.SLICE_RUNS ?? 1)
// No target: the figure is what this machine does under TCG, stated in the README.
const MEASURES = {running: 'self-hosted CPU slice, create to running (TCG)', release: 'self-hosted CPU slice, release to verified gone'}
try {
  ensureLibvirtHost()
} catch (error) {
  for (const measure of Object.values(MEASURES)) reportRow({measure, value: 'not measured: no libvirt host', target: '-', met: null})
  throw error
}
const sshd = await startLoopbackSshd()
const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-slice-bench-'))
const daemon = await startDaemon({
  port: 0,
  env: {GPU_SHOPPER_HOME: home},
  writeState: false,
  logger: createLogger({level: 'silent'}),
  timings: {pollIntervalMs: 1_000},
})
const headers = {authorization: `Bearer ${daemon.token}`}
const api = async (method, url, payload) => {
  const res = await daemon.app.inject({method, url, headers, ...(payload ? {payload} : {})})
  return {status: res.statusCode, body: res.json()}
}
// Ctrl-C stops the waiting, not the bench: the finally below still releases what it started.
let interrupted = false
process.once('SIGINT', () => {
  interrupted = true
})
const until = async (what, probe, timeoutMs) => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (interrupted && what !== 'stopped') throw new Error(`interrupted while waiting for ${what}`)
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 500))
  }
}
// A session this bench started is released however the bench ends (an error, or Ctrl-C), so no
// VM is left running on the machine.
let active
const release = async (id) => {
  await api('POST', `/api/v1/sessions/${id}/done`)
  await until('stopped', async () => ((await api('GET', `/api/v1/sessions/${id}`)).body.status === 'stopped' ? true : undefined), 5 * 60_000)
}
try {
  const node = {
    name: 'bench', host: sshd.host, port: sshd.port, user: sshd.user, identity_file: sshd.identityFile, region: 'here',
    price_per_gpu_hour: 0, cpu_slices: 1, cpu_slice_price_per_hour: 0.02, virt_type: 'qemu', base_image: TEST_BASE_IMAGE,
  }
  const added = await api('POST', '/api/v1/nodes', node)
  if (added.status !== 201) throw new Error(`nodes add: ${JSON.stringify(added.body)}`)
  const deployment = daemon.ctx.deploymentId
  const rows = []
  for (let run = 1; run <= RUNS; run++) {
    await until('the slice offer', async () => ((await api('GET', '/api/v1/inventory?provider=selfhosted')).body.offers.length > 0 ? true : undefined), 30_000)
    const started = performance.now()
    const created = await api('POST', '/api/v1/sessions', {consumer_id: 'bench', offer_id: 'selfhosted-bench.cpu', workload_type: 'ssh', reservation_hours: 1})
    if (created.status !== 201) throw new Error(`create: ${JSON.stringify(created.body)}`)
    const id = created.body.session.id
    active = id
    await until('running', async () => {
      const s = (await api('GET', `/api/v1/sessions/${id}`)).body
      if (s.status === 'failed') throw new Error(`failed: ${s.failure_reason}`)
      return s.status === 'running' ? true : undefined
    }, 15 * 60_000)
    const running = performance.now()
    const {events} = (await api('GET', `/api/v1/sessions/${id}/events`)).body
    const at = (pattern) => {
      const event = events.find((e) => pattern.test(e.message))
      return event ? ((Date.parse(event.at) - Date.parse(events[0].at)) / 1000).toFixed(1) : '-'
    }
    await release(id)
    active = undefined
    const stopped = performance.now()
    const left = leftoversOf(deployment)
    if (left.domains.length + left.volumes.length > 0) throw new Error(`left behind: ${JSON.stringify(left)}`)
    rows.push({
      run,
      'domain started (s)': at(/started on/),
      'create to running (s)': ((running - started) / 1000).toFixed(1),
      'release (s)': ((stopped - running) / 1000).toFixed(1),
    })
  }
  console.log('CPU-only slice, 2 vCPUs, 2 GiB, TCG (software emulation), this machine as the node:')
  console.table(rows)
  const spread = (column) => {
    // A run whose events did not name the step has '-' there.
    const values = rows.map((row) => Number(row[column])).filter(Number.isFinite).sort((a, b) => a - b)
    if (values.length === 0) return '-'
    const range = values[0] === values.at(-1) ? `${values[0].toFixed(1)} s` : `${values[0].toFixed(1)}–${values.at(-1).toFixed(1)} s`
    return `${range}${RUNS > 1 ? ` over ${RUNS} runs` : ''}`
  }
  reportRow({measure: MEASURES.running, value: `${spread('create to running (s)')} (domain started at ${spread('domain started (s)')})`, target: '-', met: null})
  reportRow({measure: MEASURES.release, value: spread('release (s)'), target: '-', met: null})
} finally {
  if (active) await release(active).catch((error) => console.error(`releasing ${active}: ${error.message}`))
  await daemon.close()
  await sshd.stop()
  rmSync(home, {recursive: true, force: true})
}
