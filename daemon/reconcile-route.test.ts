import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {simControl} from '../src/sim/control/control-client.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'

describe('POST /api/v1/reconcile', () => {
  let test: TestDaemon
  const auth = () => ({authorization: `Bearer ${test.daemon.token}`})
  const reconcile = (body?: object) =>
    test.daemon.app.inject({method: 'POST', url: '/api/v1/reconcile', headers: {...auth(), ...(body ? {'content-type': 'application/json'} : {})}, ...(body ? {payload: body} : {})})
  /** How many times the simulated Vast.ai was asked for its instance list: one per reconcile run. */
  const listCalls = async () => {
    const {requests} = await simControl<{requests: {method: string; path: string}[]}>(test.daemon.simulatorUrls.vastai!, 'GET', '/_sim/requests?path_prefix=/api/v1/instances/')
    return requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/instances/').length
  }

  beforeAll(async () => {
    // No periodic reconcile meanwhile: every run counted below is one the test asked for.
    test = await startTestDaemon('reconcile-route', {timings: {reconcileIntervalMs: 3_600_000}})
  })
  afterAll(async () => test?.close())

  it('takes no body at all as a real run', async () => {
    const res = await reconcile()
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json().dry_run).toBe(false)
    const empty = await test.daemon.app.inject({method: 'POST', url: '/api/v1/reconcile', headers: {...auth(), 'content-type': 'application/json'}, payload: ''})
    expect(empty.statusCode, empty.body).toBe(200)
  })

  it('runs once for callers that arrive together, and keeps dry runs and real runs apart', async () => {
    await simControl(test.daemon.simulatorUrls.vastai!, 'DELETE', '/_sim/requests')
    // Given four real and three dry callers at once,
    const replies = await Promise.all([reconcile(), reconcile({dry_run: true}), reconcile({dry_run: false}), reconcile({dry_run: true}), reconcile(), reconcile({dry_run: true}), reconcile()])
    // Then one real run and one dry run answered them all, each with its own kind of report.
    for (const res of replies) expect(res.statusCode, res.body).toBe(200)
    const bodies = replies.map((r) => r.json())
    const real = bodies.filter((b) => !b.dry_run)
    const dry = bodies.filter((b) => b.dry_run)
    expect(real).toHaveLength(4)
    expect(dry).toHaveLength(3)
    for (const b of real) expect(b).toEqual(real[0])
    for (const b of dry) expect(b).toEqual(dry[0])
    expect(await listCalls()).toBe(2)
    // And a caller after they finished gets a run of its own.
    await reconcile()
    expect(await listCalls()).toBe(3)
  })
})
