import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {createApiClient} from '../src/client/api-client.js'
import {appPaths} from '../src/config/paths.js'
import {pollUntil} from '../test/support/poll.js'
import {startTeamServer, type TeamServer} from '../test/support/team-server.js'
import {deviceFlowTokens, startTestIdp, type TestIdp} from '../test/support/test-idp.js'
import {Dashboard} from './dashboard.js'
import {createTuiServices} from './services.js'
import {renderTui, type RenderedTui} from './test-render.js'

/**
 * The dashboard against a real team server (`gpu-shopper serve`) behind the test IdP, with a
 * user's access token from a real device-flow login: it names the server, the user and the
 * tenant, shows only that tenant's sessions, and waits out the server's rate limit in view.
 */
describe('the dashboard against a team server', () => {
  let idp: TestIdp
  let server: TeamServer
  let home: string
  const token: Record<string, string> = {}
  let screen: RenderedTui | undefined

  beforeAll(async () => {
    idp = await startTestIdp()
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-tui-team-'))
    // One request a second, ten back to back: the dashboard's first screenful goes through,
    // and a burst of keystrokes runs into the limit.
    server = await startTeamServer(idp, home, ['--rate-limit', '1', '--rate-limit-burst', '10'])
    for (const user of ['bob', 'carol']) token[user] = (await deviceFlowTokens(idp, user)).access_token
  }, 60_000)

  afterAll(async () => {
    await server?.stop()
    await idp?.stop()
    if (home) rmSync(home, {recursive: true, force: true, maxRetries: 10})
  })

  afterEach(() => {
    screen?.unmount()
    screen = undefined
  })

  const api = async (user: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {authorization: `Bearer ${token[user]}`, ...(body ? {'content-type': 'application/json'} : {})},
      body: body ? JSON.stringify(body) : undefined,
    })
    return {status: res.status, body: (await res.json()) as any}
  }

  it("names the server, user and tenant, lists only the tenant's sessions, and shows the rate limit it waits out", async () => {
    // A session in each tenant, made over the API as each user.
    const [offer] = (await api('bob', 'GET', '/api/v1/inventory?sort=price&limit=1')).body.offers
    const create = {offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1}
    const bobsCreate = await api('bob', 'POST', '/api/v1/sessions', {...create, consumer_id: 'bob-app'})
    expect(bobsCreate.status).toBe(201)
    const bobs = bobsCreate.body.session.id as string
    const [other] = (await api('carol', 'GET', '/api/v1/inventory?sort=price&limit=1&offset=1')).body.offers
    const carols = (await api('carol', 'POST', '/api/v1/sessions', {...create, offer_id: other.id, consumer_id: 'carol-app'})).body.session.id as string

    const client = createApiClient({baseUrl: server.url, token: token.bob, timeoutMs: 10_000})
    const services = createTuiServices({client, paths: appPaths({GPU_SHOPPER_HOME: home}), consumer: 'bob-app', runSsh: () => {}, copyToClipboard: () => {}})
    void services.offers.load()
    screen = renderTui(<Dashboard services={services} />, {columns: 160, rows: 40})

    const status = await screen.waitFor(/bob@acme \(member\)/, 30_000)
    expect(status.split('\n')[0]).toContain(server.url)

    await screen.type('2')
    const sessions = await screen.waitFor(new RegExp(bobs), 30_000)
    expect(sessions).not.toContain(carols)

    // Keystrokes that each ask the server again, faster than one a second: the client waits
    // out the 429s itself and says so where the user is looking.
    for (let i = 0; i < 12; i++) await screen.type(i % 2 === 0 ? '1' : '2')
    await screen.waitFor(/rate limited by .*; retrying in \d+ s \(\d\/3\)/, 30_000)
    // Released once bob's bucket lets a request through again.
    const release = (user: string, id: string) =>
      pollUntil(async () => ((await api(user, 'POST', `/api/v1/sessions/${id}/done`)).status === 200 ? true : undefined), `release of ${id}`, 30_000, 500)
    await release('bob', bobs)
    await release('carol', carols)
  }, 120_000)
})
