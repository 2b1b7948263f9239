import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {simControl} from '../src/sim/control/control-client.js'
import {startVastSim, type VastSimHandle} from '../src/sim/index.js'
import {createLogger} from '../src/log/logger.js'
import {pollUntil} from '../test/support/poll.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import {providerSettingsFromEnv} from './providers.js'
import {startDaemon, type RunningDaemon} from './server.js'

/** The query the daemon's Vast.ai adapter sends, without a limit: every offer the market would sell it. */
const SELLABLE = {rentable: {eq: true}, rented: {eq: false}, type: 'on-demand'}

async function sellableOffers(vastUrl: string): Promise<number> {
  const res = await fetch(`${vastUrl}/api/v0/bundles/`, {
    method: 'POST',
    headers: {authorization: 'Bearer any', 'content-type': 'application/json'},
    body: JSON.stringify(SELLABLE),
  })
  return ((await res.json()) as {offers: unknown[]}).offers.length
}

async function api<T = any>(daemon: RunningDaemon, path: string): Promise<T> {
  const res = await fetch(daemon.url + path, {headers: daemon.token ? {authorization: `Bearer ${daemon.token}`} : {}})
  if (!res.ok) throw new Error(`GET ${path} → ${res.status}: ${await res.text()}`)
  return (await res.json()) as T
}

/** Resolves when the daemon's first Vast.ai refresh has succeeded, by its /health. */
function firstVastRefresh(daemon: RunningDaemon, timeoutMs = 15_000): Promise<{offers: number; stale: boolean}> {
  return pollUntil(
    async () => {
      const health = await api<{providers: {name: string; last_refresh_at: string | null; offers: number; stale: boolean}[]}>(daemon, '/health')
      const vast = health.providers.find((p) => p.name === 'vastai')
      return vast?.last_refresh_at ? vast : undefined
    },
    'the first Vast.ai refresh',
    timeoutMs,
  )
}

describe('provider settings from the environment', () => {
  it('reads the Vast.ai search limit and the simulated market size, and leaves unset ones to the defaults', () => {
    expect(providerSettingsFromEnv({GPU_SHOPPER_VASTAI_SEARCH_LIMIT: '100000', GPU_SHOPPER_SIM_OFFERS: '145000'})).toEqual({
      vastaiSearchLimit: 100_000,
      simOffers: 145_000,
    })
    expect(providerSettingsFromEnv({})).toEqual({})
  })

  it('stops a daemon start on a bad value, naming the variable, and leaves the home usable', async () => {
    // Given a home and a typo in the market size
    const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-badenv-'))
    const quiet = {port: 0, simulate: true, writeState: false, logger: createLogger({level: 'silent'})}
    try {
      // When the daemon starts, Then it refuses with the variable, the range and the value
      await expect(startDaemon({...quiet, env: {GPU_SHOPPER_HOME: home, GPU_SHOPPER_SIM_OFFERS: '100k'}})).rejects.toThrow(
        'GPU_SHOPPER_SIM_OFFERS must be a whole number from 1 to 200000, got "100k"',
      )
      await expect(startDaemon({...quiet, env: {GPU_SHOPPER_HOME: home, GPU_SHOPPER_VASTAI_SEARCH_LIMIT: '0'}})).rejects.toThrow(
        /GPU_SHOPPER_VASTAI_SEARCH_LIMIT must be a whole number from 1 to 200000/,
      )

      // And once fixed it starts in the same home: nothing was left locked
      const daemon = await startDaemon({...quiet, env: {GPU_SHOPPER_HOME: home, GPU_SHOPPER_SIM_OFFERS: '50'}})
      await daemon.close()
    } finally {
      rmSync(home, {recursive: true, force: true})
    }
  })
})

describe('a large simulated market', () => {
  let testDaemon: TestDaemon | undefined
  afterEach(async () => {
    await testDaemon?.close()
    testDaemon = undefined
  })

  // 32000 generated offers of which about 70% are rentable, unrented and verified: more than
  // the 20000 a refresh fetches by default, so only a raised limit lists them all.
  it('ends up entirely in the inventory once GPU_SHOPPER_VASTAI_SEARCH_LIMIT is raised', async () => {
    // Given a simulated daemon over 32000 offers, asking Vast.ai for up to 40000
    testDaemon = await startTestDaemon('big-market', {env: {GPU_SHOPPER_SIM_OFFERS: '32000', GPU_SHOPPER_VASTAI_SEARCH_LIMIT: '40000'}})
    const {daemon} = testDaemon
    const sellable = await sellableOffers(daemon.simulatorUrls.vastai!)
    expect(sellable).toBeGreaterThan(20_000)

    // When its first refresh is done
    const vast = await firstVastRefresh(daemon)

    // Then every offer the market sells is listed, fresh
    expect(vast).toMatchObject({offers: sellable, stale: false})
    const first = await api(daemon, '/api/v1/inventory?provider=vastai&limit=1')
    expect(first).toMatchObject({total: sellable, stale_providers: []})

    // And paging through it returns each one once
    const ids = new Set<string>()
    for (let offset = 0; offset < sellable; offset += 1000) {
      const page = await api<{offers: {id: string}[]; total: number}>(daemon, `/api/v1/inventory?provider=vastai&limit=1000&offset=${offset}`)
      expect(page.total).toBe(sellable)
      for (const o of page.offers) ids.add(o.id)
    }
    expect(ids.size).toBe(sellable)
  })

  it('is cut at the default 20000 without it', async () => {
    // Given the same market and no search limit set
    testDaemon = await startTestDaemon('capped-market', {env: {GPU_SHOPPER_SIM_OFFERS: '32000'}})

    // When its first refresh is done, Then the default cap applies
    expect(await firstVastRefresh(testDaemon.daemon)).toMatchObject({offers: 20_000})
  })
})

describe('the Vast.ai search limit against a real-mode daemon', () => {
  let sim: VastSimHandle | undefined
  let testDaemon: TestDaemon | undefined
  afterEach(async () => {
    await testDaemon?.close()
    await sim?.close()
  })

  it('is what each refresh asks the marketplace for', async () => {
    // Given a Vast.ai marketplace and a daemon configured for it with a small search limit
    sim = await startVastSim({offerCount: 400, churn: false})
    testDaemon = await startTestDaemon('search-limit', {
      simulate: false,
      env: {VASTAI_API_URL: sim.url, VASTAI_API_KEY: 'test-key', GPU_SHOPPER_VASTAI_SEARCH_LIMIT: '50'},
    })

    // When its first refresh is done
    await firstVastRefresh(testDaemon.daemon)

    // Then it asked for 50 offers and lists 50
    const {requests} = await simControl<{requests: {body: {limit?: number}}[]}>(sim.url, 'GET', '/_sim/requests?path_prefix=/api/v0/bundles')
    expect(requests.map((r) => r.body.limit)).toContain(50)
    expect((await api(testDaemon.daemon, '/api/v1/inventory?provider=vastai&limit=1')).total).toBe(50)
  })
})
