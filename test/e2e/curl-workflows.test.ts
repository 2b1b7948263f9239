import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startDaemonProcess} from '../support/daemon-process.js'
import {pollUntil} from '../support/poll.js'
import {startSharedMarkets} from '../support/shared-markets.js'
import {startTeamServer} from '../support/team-server.js'
import {deviceFlowTokens, startTestIdp} from '../support/test-idp.js'

const run = promisify(execFile)

/** Where the examples are sent: one URL or several (taken in turn), with a bearer token or none. */
interface Target {
  urls: string[]
  token: string | null
  simulated: boolean
  stop(): Promise<void>
}

/** `daemon start --simulate --no-auth`: the examples exactly as the spec gives them. */
async function simulatedDaemon(home: string): Promise<Target> {
  const daemon = await startDaemonProcess(home, ['--simulate', '--no-auth'])
  return {
    urls: [`http://localhost:${daemon.state.port}`],
    token: null,
    simulated: true,
    async stop() {
      await daemon.stop()
    },
  }
}

/**
 * Two `serve` processes on one PostgreSQL database over one pair of simulated marketplaces,
 * each request sent to the next process in turn, with a team member's access token.
 */
async function twoServeProcessesOnPostgres(home: string): Promise<Target> {
  const idp = await startTestIdp({accessTokenTtl: 3_600})
  const markets = await startSharedMarkets()
  const servers = [await startTeamServer(idp, home, ['--rate-limit', '0'], null, {simulate: false, env: markets.env})]
  servers.push(await startTeamServer(idp, home, ['--rate-limit', '0'], null, {simulate: false, env: markets.env}))
  return {
    urls: servers.map((s) => s.url),
    token: (await deviceFlowTokens(idp, 'alice')).access_token,
    simulated: false,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()))
      await markets.close()
      await idp.stop()
    },
  }
}

/**
 * The curl examples of shared/spec/workflows.md, verbatim but for the address (and a bearer
 * token where the server wants one): against the simulated daemon, and against two team server
 * processes on PostgreSQL taking the requests in turn.
 */
describe.each([
  {name: 'the simulated daemon', start: simulatedDaemon},
  {name: 'two serve processes on PostgreSQL', start: twoServeProcessesOnPostgres},
])('seed curl examples against $name', ({start}) => {
  let home: string
  let target: Target
  let sent = 0

  async function curl(...args: string[]): Promise<any> {
    const base = target.urls[sent++ % target.urls.length]!
    const auth = target.token ? ['-H', `Authorization: Bearer ${target.token}`] : []
    const {stdout} = await run('curl', ['-sS', '--fail-with-body', ...auth, ...args.map((a) => a.replace('http://localhost:8080', base))])
    return JSON.parse(stdout)
  }

  const post = (path: string, body?: object) =>
    curl('-X', 'POST', `http://localhost:8080${path}`, ...(body ? ['-H', 'Content-Type: application/json', '-d', JSON.stringify(body)] : []))

  async function untilStatus(id: string, status: string) {
    return pollUntil(async () => {
      const s = await curl(`http://localhost:8080/api/v1/sessions/${id}`)
      if (s.status === 'failed' && status !== 'failed') throw new Error(`session failed: ${s.failure_reason}`)
      return s.status === status ? s : undefined
    }, `session ${id} ${status}`)
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-curl-'))
    target = await start(home)
  }, 90_000)
  afterAll(async () => {
    await target?.stop()
    rmSync(home, {recursive: true, force: true, maxRetries: 10})
  })

  it('workflow 1: browses and filters the inventory', async () => {
    const all = await curl('http://localhost:8080/api/v1/inventory')
    expect(all.simulated).toBe(target.simulated)
    expect(all.offers.length).toBeGreaterThan(0)
    for (const key of ['id', 'provider', 'provider_id', 'gpu_type', 'gpu_count', 'vram_gb', 'price_per_hour', 'location', 'reliability', 'available', 'fetched_at']) {
      expect(all.offers[0]).toHaveProperty(key)
    }
    const rtx = await curl('http://localhost:8080/api/v1/inventory?gpu_type=RTX%204090')
    expect(rtx.offers.every((o: any) => o.gpu_type === 'RTX 4090')).toBe(true)
    const vram = await curl('http://localhost:8080/api/v1/inventory?min_vram=24')
    expect(vram.offers.every((o: any) => o.vram_gb >= 24)).toBe(true)
    const cheap = await curl('http://localhost:8080/api/v1/inventory?max_price=0.50')
    expect(cheap.offers.every((o: any) => o.price_per_hour <= 0.5)).toBe(true)
    const vast = await curl('http://localhost:8080/api/v1/inventory?provider=vastai')
    expect(vast.offers.every((o: any) => o.provider === 'vastai')).toBe(true)
    const multi = await curl('http://localhost:8080/api/v1/inventory?min_gpu_count=2')
    expect(multi.offers.length).toBeGreaterThan(0)
    expect(multi.offers.every((o: any) => o.gpu_count >= 2)).toBe(true)
    const combined = await curl('http://localhost:8080/api/v1/inventory?gpu_type=RTX%204090&max_price=0.50&provider=vastai')
    expect(combined.offers.length).toBeGreaterThan(0)
    expect(combined.offers.every((o: any) => o.gpu_type === 'RTX 4090' && o.price_per_hour <= 0.5 && o.provider === 'vastai')).toBe(true)
  })

  it('workflows 2-4: provisions, manages, releases and costs sessions', async () => {
    const offers = (await curl('http://localhost:8080/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=3')).offers
    const created = await post('/api/v1/sessions', {consumer_id: 'my-app', offer_id: offers[0].id, workload_type: 'llm', reservation_hours: 2})
    // As in the seed's reply: provisioning, once the provider has answered (the reply waits for it briefly).
    expect(created.session).toMatchObject({consumer_id: 'my-app', status: 'provisioning', offer_id: offers[0].id})
    expect(created.session.provider_instance_id).toEqual(expect.any(String))
    expect(created.ssh_private_key).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----/)
    const id = created.session.id

    const withOptions = await post('/api/v1/sessions', {
      consumer_id: 'my-app',
      offer_id: offers[1].id,
      workload_type: 'llm',
      reservation_hours: 2,
      idle_threshold_minutes: 30,
      storage_policy: 'destroy',
      disk_gb: 100,
    })
    expect(withOptions.session).toMatchObject({idle_threshold_minutes: 30, storage_policy: 'destroy', disk_gb: 100})

    const large = await post('/api/v1/sessions', {
      consumer_id: 'llm-inference',
      offer_id: offers[2].id,
      workload_type: 'ssh',
      reservation_hours: 4,
      template_hash_id: 'a8a44c7363cbca20056020397e3bf072',
      disk_gb: 200,
    })
    expect(large.session).toMatchObject({workload_type: 'ssh', disk_gb: 200, reservation_hours: 4})

    const running = await untilStatus(id, 'running')
    expect(running).toMatchObject({ssh_user: 'root', ssh_host: '127.0.0.1'})
    expect(running.ssh_port).toBeGreaterThan(0)

    const list = await curl('http://localhost:8080/api/v1/sessions')
    expect(list.sessions.length).toBe(3)
    const mine = await curl('http://localhost:8080/api/v1/sessions?consumer_id=my-app')
    expect(mine.sessions.map((s: any) => s.consumer_id)).toEqual(['my-app', 'my-app'])
    await untilStatus(withOptions.session.id, 'running')
    await untilStatus(large.session.id, 'running')
    const runningList = await curl('http://localhost:8080/api/v1/sessions?status=running')
    expect(runningList.sessions.every((s: any) => s.status === 'running')).toBe(true)

    const extended = await post(`/api/v1/sessions/${id}/extend`, {additional_hours: 2})
    expect(extended).toMatchObject({session_id: id})
    expect(Date.parse(extended.new_expires_at)).toBeGreaterThan(Date.parse(running.expires_at))

    const done = await post(`/api/v1/sessions/${id}/done`)
    expect(done).toMatchObject({session_id: id})
    expect(done.message).toMatch(/stopping/)
    await untilStatus(id, 'stopped')

    const destroyed = await curl('-X', 'DELETE', `http://localhost:8080/api/v1/sessions/${withOptions.session.id}`)
    expect(destroyed).toMatchObject({session_id: withOptions.session.id})
    await untilStatus(withOptions.session.id, 'stopped')
    await post(`/api/v1/sessions/${large.session.id}/done`)
    await untilStatus(large.session.id, 'stopped')

    const cost = await curl(`http://localhost:8080/api/v1/costs?session_id=${id}`)
    expect(cost).toMatchObject({session_id: id, currency: 'USD'})
    expect(typeof cost.total_cost).toBe('number')
    const consumer = await curl('http://localhost:8080/api/v1/costs?consumer_id=my-app')
    expect(consumer).toMatchObject({consumer_id: 'my-app', session_count: 2})
    expect(consumer).toHaveProperty('by_provider')
    expect(consumer).toHaveProperty('by_gpu_type')
    expect(consumer).toHaveProperty('hours_used')
    const summary = await curl('http://localhost:8080/api/v1/costs/summary')
    const summaryMine = await curl('http://localhost:8080/api/v1/costs/summary?consumer_id=my-app')
    expect(summaryMine.total_cost_micro_usd).toBe(consumer.total_cost_micro_usd)
    // Without dates, as the seed's API: this month, and the reply says which days it covered
    expect([consumer.start_date, consumer.end_date]).toEqual([summaryMine.start_date, summaryMine.end_date])
    expect(consumer.start_date).toMatch(/^\d{4}-\d{2}-01$/)
    expect(Object.keys(summary.by_consumer).sort()).toEqual(['llm-inference', 'my-app'])
    const today = new Date().toISOString().slice(0, 10)
    const ranged = await curl(`http://localhost:8080/api/v1/costs?start_date=${today}&end_date=${today}`)
    expect(ranged.total_cost_micro_usd).toBe(summary.total_cost_micro_usd)
    const allSessions = await Promise.all([id, withOptions.session.id, large.session.id].map((s) => curl(`http://localhost:8080/api/v1/costs?session_id=${s}`)))
    expect(allSessions.reduce((a: number, c: any) => a + c.total_cost_micro_usd, 0)).toBe(summary.total_cost_micro_usd)
  })

  it('runs the quick start allocation flow with curl', async () => {
    const skus = await curl('http://localhost:8080/api/v1/catalog')
    expect(skus.items.map((i: any) => i.sku)).toContain('rtx-4090')
    const create = () =>
      curl(
        '-X', 'POST', 'http://localhost:8080/api/v1/allocations',
        '-H', 'Content-Type: application/json',
        '-H', 'X-Idempotency-Key: quickstart-001',
        '-d', JSON.stringify({sku: 'rtx-4090', gpus_total: 1, region_code: 'US'}),
      )
    const alloc = await create()
    expect(alloc).toMatchObject({status: 'requested', sku: 'rtx-4090', gpus_total: 1})
    expect((await create()).id).toBe(alloc.id)
    const active = await pollUntil(async () => {
      const a = await curl(`http://localhost:8080/api/v1/allocations/${alloc.id}`)
      if (a.status === 'failed') throw new Error(a.failure_reason)
      return a.status === 'active' ? a : undefined
    }, 'allocation active')
    expect(active.connection).toMatchObject({ssh_host: '127.0.0.1'})
    const released = await curl('-X', 'POST', `http://localhost:8080/api/v1/allocations/${alloc.id}/release`, '-H', 'X-Idempotency-Key: quickstart-release-001')
    expect(released.status).toBe('releasing')
    await untilStatus(alloc.id, 'stopped')
  })
})
