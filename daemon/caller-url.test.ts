import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {DEFAULT_CLAIM_MAPPING} from '../src/auth/claim-mapping.js'
import {createLogger} from '../src/log/logger.js'
import {pollUntil} from '../test/support/poll.js'
import {deviceFlowTokens, startTestIdp, type TestIdp} from '../test/support/test-idp.js'
import {startDaemon, type RunningDaemon} from './server.js'

type Links = {page_url: string; ws_url: string; token: string}

/**
 * The browser terminal's links behind a TLS proxy: a team server started with --trust-proxy
 * builds them from X-Forwarded-Proto and X-Forwarded-Host; the solo daemon, which anyone on the
 * machine can send headers to, never does.
 */
describe('terminal links and forwarded headers', () => {
  let idp: TestIdp
  const homes: string[] = []
  let team: RunningDaemon
  let solo: RunningDaemon
  let bearer: {team: string; solo: string}
  const session: {team?: string; solo?: string} = {}

  const start = (options: Parameters<typeof startDaemon>[0]) => {
    const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-links-'))
    homes.push(home)
    return startDaemon({port: 0, simulate: true, env: {GPU_SHOPPER_HOME: home}, writeState: false, timings: {pollIntervalMs: 50}, logger: createLogger({level: 'silent'}), ...options})
  }
  const request = (which: 'team' | 'solo', method: 'GET' | 'POST', url: string, headers: Record<string, string> = {}, payload?: object) => {
    const daemon = which === 'team' ? team : solo
    return daemon.app.inject({method, url, payload, headers: {authorization: `Bearer ${bearer[which]}`, host: new URL(daemon.url).host, ...headers}})
  }
  const runningSession = async (which: 'team' | 'solo'): Promise<string> => {
    const offer = (await request(which, 'GET', '/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=1')).json().offers[0] as {id: string}
    const created = await request(which, 'POST', '/api/v1/sessions', {}, {consumer_id: 'links', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1})
    expect(created.statusCode).toBe(201)
    const id = created.json().session.id as string
    await pollUntil(async () => ((await request(which, 'GET', `/api/v1/sessions/${id}`)).json().status === 'running' ? true : undefined), `session ${id} running`)
    return id
  }
  const mint = async (which: 'team' | 'solo', headers: Record<string, string>) => {
    const res = await request(which, 'POST', `/api/v1/sessions/${session[which]}/terminal-token`, headers)
    expect(res.statusCode, res.body).toBe(200)
    return res.json() as Links
  }
  const proxied = {'x-forwarded-proto': 'https', 'x-forwarded-host': 'gpus.example.com'}

  beforeAll(async () => {
    idp = await startTestIdp()
    const oidc = {issuer: idp.issuer, audience: idp.audience, clientId: 'gpu-shopper-cli', claims: DEFAULT_CLAIM_MAPPING, clockToleranceSec: 30, introspection: null}
    team = await start({oidc: {...oidc, trustProxy: true}})
    solo = await start({})
    bearer = {team: (await deviceFlowTokens(idp, 'bob')).access_token, solo: solo.token!}
    session.team = await runningSession('team')
    session.solo = await runningSession('solo')
  }, 60_000)
  afterAll(async () => {
    await team?.close()
    await solo?.close()
    await idp?.stop()
    for (const home of homes) rmSync(home, {recursive: true, force: true, maxRetries: 10})
  })

  it('follows X-Forwarded-Proto and X-Forwarded-Host on a team server started with --trust-proxy', async () => {
    const links = await mint('team', proxied)
    expect(links.page_url).toBe(`https://gpus.example.com/terminal?token=${links.token}`)
    expect(links.ws_url).toBe(`wss://gpus.example.com/api/v1/terminal/ws?token=${links.token}`)
    // A proxy that passes the public Host on (Caddy does) is served too, not refused as a non-loopback name.
    const hostPassed = await mint('team', {host: 'gpus.example.com', 'x-forwarded-proto': 'https'})
    expect(hostPassed.ws_url).toBe(`wss://gpus.example.com/api/v1/terminal/ws?token=${hostPassed.token}`)
    // Reached directly, without the proxy's headers: the address it was reached by, in clear text.
    const direct = await mint('team', {})
    expect(direct.page_url).toBe(`http://${new URL(team.url).host}/terminal?token=${direct.token}`)
  })

  it('ignores them on the solo daemon, which keeps answering loopback names only', async () => {
    const links = await mint('solo', proxied)
    const host = new URL(solo.url).host
    expect(links.page_url).toBe(`http://${host}/terminal?token=${links.token}`)
    expect(links.ws_url).toBe(`ws://${host}/api/v1/terminal/ws?token=${links.token}`)
    const refused = await request('solo', 'POST', `/api/v1/sessions/${session.solo}/terminal-token`, {host: 'gpus.example.com', 'x-forwarded-proto': 'https'})
    expect(refused.statusCode).toBe(403)
  })
})
