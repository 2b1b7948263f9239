import {afterEach, describe, expect, it, vi} from 'vitest'

import {createApiClient} from '../../src/client/api-client.js'
import {ManualClock} from '../../src/core/clock.js'
import {appPaths} from '../../src/config/paths.js'
import {json, startTestServer} from '../../test/support/http-server.js'
import {ServicesProvider, createTuiServices} from '../services.js'
import {renderTui, type RenderedTui} from '../test-render.js'
import {StatusLine} from './status-line.js'

let screen: RenderedTui | undefined
let server: Awaited<ReturnType<typeof startTestServer>> | undefined

afterEach(async () => {
  vi.restoreAllMocks()
  screen?.unmount()
  screen = undefined
  await server?.close()
  server = undefined
})

const health = {status: 'ok', version: '0.1.0', deployment_id: 'd', simulated: false, auth: true, uptime_seconds: 1, providers: [{name: 'vastai', configured: true, stale: true, last_refresh_at: null}]}

describe('StatusLine', () => {
  it("shows the client's rate-limit wait in the status line, not on stderr, until it is over", async () => {
    // Given a team server that refuses the first /health with Retry-After: 3, and a client whose waits the test ends
    let healthCalls = 0
    server = await startTestServer((req, res) => {
      if (req.url !== '/health') return json(res, 200, {user: 'local', tenant: 'local', role: 'admin', expires_at: null, mode: 'static'})
      if (healthCalls++ === 0) return json(res, 429, {error: 'slow down', error_type: 'rate_limit_exceeded'}, {'Retry-After': '3'})
      json(res, 200, health)
    })
    let endWait: () => void = () => {}
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 12))
    const client = createApiClient({
      baseUrl: server.url,
      now: () => clock.now(),
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          endWait = () => {
            clock.advance(ms)
            resolve()
          }
        }),
    })
    const services = createTuiServices({client, paths: appPaths({GPU_SHOPPER_HOME: '/nonexistent'}), now: () => clock.now(), runSsh: () => {}, copyToClipboard: () => {}, consumer: 't'})

    const stderr = vi.spyOn(process.stderr, 'write')

    // When the status line polls the server's health
    screen = renderTui(
      <ServicesProvider value={services}>
        <StatusLine width={160} />
      </ServicesProvider>,
      {columns: 160},
    )

    // Then it says the dashboard is being rate limited, and how long for
    const waiting = await screen.waitFor('rate limited by')
    expect(waiting).toContain(`rate limited by ${server.url}; retrying in 3 s (1/3)`)

    // And once the wait is over the reply shows, and the notice goes a moment later
    endWait()
    const answered = await screen.waitFor('stale: vastai')
    expect(answered).toContain('rate limited by')
    clock.advance(2_001)
    await screen.waitFor((f) => !f.includes('rate limited by') && f.includes('stale: vastai'))
    expect(healthCalls).toBe(2)
    expect(stderr.mock.calls.filter(([chunk]) => String(chunk).includes('rate limited'))).toEqual([])
  })

  it('names the server, the user and the tenant on a team server', async () => {
    server = await startTestServer((req, res) => {
      if (req.url === '/api/v1/auth/whoami') return json(res, 200, {user: 'bob', tenant: 'acme', role: 'member', expires_at: null, mode: 'oidc'})
      json(res, 200, health)
    })
    const clock = new ManualClock(Date.UTC(2026, 11, 3, 12))
    const client = createApiClient({baseUrl: server.url, now: () => clock.now()})
    const services = createTuiServices({client, paths: appPaths({GPU_SHOPPER_HOME: '/nonexistent'}), now: () => clock.now(), runSsh: () => {}, copyToClipboard: () => {}, consumer: 't'})
    screen = renderTui(
      <ServicesProvider value={services}>
        <StatusLine width={160} />
      </ServicesProvider>,
      {columns: 160},
    )
    const frame = await screen.waitFor('bob@acme')
    expect(frame).toContain(`${server.url}  bob@acme (member)`)
  })
})
