import {execFile} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pollUntil} from '../support/poll.js'
import {runCli} from '../support/cli.js'
import {getStatus, startTeamServer, type TeamServer} from '../support/team-server.js'
import {openTerminalClient} from '../support/terminal-client.js'
import {deviceFlowTokens, startTestIdp, type TestIdp} from '../support/test-idp.js'
import {userEnv} from '../support/user-env.js'

const run = promisify(execFile)
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHqgb1p0ZbJtGdK4dxnmS8dhiBqGJ8mM5gX7Q2v1f0N3 bob@acme'

type Reply = {status: number; body: any; headers: Headers}

/**
 * `gpu-shopper serve` behind a real OpenID Connect provider: two tenants (acme: alice admin, bob
 * member; globex: dave admin, carol member), each user with an access token from the IdP.
 */
describe('the team server', () => {
  let idp: TestIdp
  let home: string
  let server: TeamServer
  const token: Record<string, string> = {}

  const api = async (user: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(server.url + path, {
      method,
      headers: {authorization: `Bearer ${token[user]}`, ...(body === undefined ? {} : {'content-type': 'application/json'}), ...headers},
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text)
    } catch {
      // CSV and HTML replies stay text
    }
    return {status: res.status, body: parsed, headers: res.headers}
  }

  beforeAll(async () => {
    idp = await startTestIdp()
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-team-'))
    server = await startTeamServer(idp, home, ['--rate-limit', '0'])
    for (const user of ['alice', 'bob', 'carol', 'dave']) token[user] = (await deviceFlowTokens(idp, user)).access_token
  }, 90_000)
  afterAll(async () => {
    await server?.stop()
    await idp?.stop()
    if (home) rmSync(home, {recursive: true, force: true, maxRetries: 10})
  })

  it('tells clients how to log in, and who a token is', async () => {
    const config = await (await fetch(`${server.url}/api/v1/auth/config`)).json()
    expect(config).toEqual({mode: 'oidc', issuer: idp.issuer, client_id: 'gpu-shopper-cli', audience: idp.audience, scopes: ['openid', 'profile', 'email', 'offline_access']})
    expect((await api('alice', 'GET', '/api/v1/auth/whoami')).body).toMatchObject({user: 'alice', tenant: 'acme', role: 'admin', mode: 'oidc'})
    expect((await api('carol', 'GET', '/api/v1/auth/whoami')).body).toMatchObject({user: 'carol', tenant: 'globex', role: 'member'})
  })

  it('refuses requests without a token, with a token for another audience, or a made-up one', async () => {
    const none = await fetch(`${server.url}/api/v1/sessions`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    expect(await none.json()).toMatchObject({error_type: 'unauthorized', error: expect.stringContaining('gpu-shopper auth login')})
    // A token from another IdP (its own issuer and keys) is nobody here.
    const stranger = await startTestIdp()
    try {
      token.other = (await deviceFlowTokens(stranger, 'alice')).access_token
    } finally {
      await stranger.stop()
    }
    const other = await api('other', 'GET', '/api/v1/sessions')
    expect(other.status).toBe(401)
    expect(other.body.error).toMatch(/not issued by|signed by a key the issuer does not publish/)
    token.forged = `${token.alice!.split('.').slice(0, 2).join('.')}.${Buffer.from('not the signature').toString('base64url')}`
    expect((await api('forged', 'GET', '/api/v1/sessions')).status).toBe(401)
  })

  it("walks the quick start with IdP tokens over curl, and the audit log shows who did each step", async () => {
    const curl = async (user: string, ...args: string[]) => {
      const {stdout} = await run('curl', ['-sS', '--fail-with-body', '-H', `Authorization: Bearer ${token[user]}`, ...args])
      return JSON.parse(stdout)
    }
    const catalog = await curl('bob', `${server.url}/api/v1/catalog`)
    const sku = catalog.items[0].sku as string
    const key = await curl('bob', '-X', 'POST', `${server.url}/api/v1/iam/ssh-keys`, '-H', 'Content-Type: application/json', '-d', JSON.stringify({title: 'bob laptop', key_body: KEY}))
    const create = () =>
      curl('bob', '-X', 'POST', `${server.url}/api/v1/allocations`, '-H', 'Content-Type: application/json', '-H', 'X-Idempotency-Key: bob-first', '-d', JSON.stringify({sku, gpus_total: 1, ssh_key_ids: [key.id], consumer_id: 'vision'}))
    const first = await create()
    expect((await create()).id).toBe(first.id)
    await pollUntil(async () => ((await curl('bob', `${server.url}/api/v1/allocations/${first.id}`)).status === 'active' ? true : undefined), 'the allocation to be active')
    const terminal = await curl('bob', '-X', 'POST', `${server.url}/api/v1/allocations/${first.id}/terminal-token`)
    expect(terminal.session_id).toBe(first.id)
    // The browser terminal opens as bob, who minted it (the page's socket carries no bearer token).
    const term = openTerminalClient(terminal.ws_url)
    await term.waitFor(/# $/, 'the prompt')
    term.send('echo team-terminal\r')
    await term.waitFor('team-terminal\r\n')
    term.send(Buffer.from('exit\r'))
    expect((await term.closed).reason).toBe('the shell exited')
    await curl('bob', '-X', 'POST', `${server.url}/api/v1/allocations/${first.id}/release`)
    await pollUntil(async () => ((await curl('bob', `${server.url}/api/v1/allocations/${first.id}`)).status === 'released' ? true : undefined), 'the allocation to be released')

    // A teammate of the same tenant sees it; the admin reads the audit log; a member may not.
    expect((await api('alice', 'GET', `/api/v1/allocations/${first.id}`)).status).toBe(200)
    expect((await api('bob', 'GET', '/api/v1/audit')).status).toBe(403)
    const audit = await api('alice', 'GET', '/api/v1/audit?user=bob')
    expect(audit.status).toBe(200)
    const steps = audit.body.entries.map((e: any) => `${e.user} ${e.method} ${e.route} ${e.target ?? '-'} ${e.outcome}`)
    expect(steps).toEqual([
      'bob POST /api/v1/iam/ssh-keys - ok',
      'bob POST /api/v1/allocations - ok',
      'bob POST /api/v1/allocations - ok',
      `bob POST /api/v1/allocations/:id/terminal-token ${first.id} ok`,
      `bob POST /api/v1/allocations/:id/release ${first.id} ok`,
    ])
    for (const entry of audit.body.entries) expect(entry).toMatchObject({tenant: 'acme', role: 'member', request_id: expect.any(String)})
    // globex's admin sees none of it.
    expect((await api('dave', 'GET', '/api/v1/audit')).body.entries).toEqual([])
  }, 120_000)

  it('leaks nothing of one tenant to another on any route of the OpenAPI document', async () => {
    // acme's things: a session, a key, a budget for its consumer.
    const offer = (await api('alice', 'GET', '/api/v1/inventory?provider=tensordock&limit=1')).body.offers[0]
    const session = (await api('alice', 'POST', '/api/v1/sessions', {offer_id: offer.id, consumer_id: 'acme-secret-team', workload_type: 'ssh', reservation_hours: 1})).body.session
    const key = (
      await api('alice', 'POST', '/api/v1/iam/ssh-keys', {title: 'acme-secret-key', key_body: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv2sGk1pI0mXyQ0l9o7oGk7xzY1Zb7mQjCwq3GmH0aT acme'})
    ).body
    expect((await api('alice', 'PUT', '/api/v1/consumers/acme-secret-team/budget', {monthly_limit: 50})).status).toBe(200)
    const acme = [session.id, key.id, 'acme-secret-team', 'acme-secret-key', 'alice', 'bob', 'acme']

    const document = (await api('dave', 'GET', '/api/v1/openapi.json')).body
    const substitute = (path: string) =>
      path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'id' ? (path.includes('consumers') ? 'acme-secret-team' : path.includes('ssh-keys') ? key.id : session.id) : 'acme-node'))
    const bodies: Record<string, unknown> = {
      '/api/v1/consumers/{id}/budget': {monthly_limit: 1},
      '/api/v1/sessions/{id}/extend': {additional_hours: 1},
    }
    let walked = 0
    for (const [path, operations] of Object.entries(document.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(operations)) {
        for (const user of ['carol', 'dave']) {
          const query = `?consumer_id=acme-secret-team&session_id=${session.id}`
          const url = substitute(path) + (method === 'get' ? query : '')
          const reply = await api(user, method.toUpperCase(), url, method === 'get' ? undefined : bodies[path])
          const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
          const where = `${user} ${method.toUpperCase()} ${path} -> ${reply.status} ${text.slice(0, 300)}`
          // (an id the request itself carried may be echoed back: "session X does not exist")
          for (const secret of acme.filter((s) => !url.includes(s))) expect(text.includes(secret), where).toBe(false)
          // An id of another tenant is unknown, never forbidden.
          if (/\{id\}/.test(path) && !path.includes('consumers')) expect([400, 404], where).toContain(reply.status)
          expect(reply.status, where).toBeLessThan(500)
          walked++
        }
      }
    }
    expect(walked).toBeGreaterThan(40)

    // /metrics (not in the document): admins only, each seeing its own tenant's sessions.
    expect((await api('carol', 'GET', '/metrics')).status).toBe(403)
    const sessionsGauge = (text: string) => text.split('\n').filter((line) => line.startsWith('gpu_shopper_sessions{'))
    expect(sessionsGauge((await api('alice', 'GET', '/metrics')).body)).toContainEqual(expect.stringMatching(/^gpu_shopper_sessions\{provider="tensordock",status="\w+"\} 1$/))
    expect(sessionsGauge((await api('dave', 'GET', '/metrics')).body)).toEqual([])

    // acme's things are all still there and unchanged for acme.
    expect((await api('alice', 'GET', `/api/v1/sessions/${session.id}`)).body.status).not.toBe('stopping')
    expect((await api('alice', 'GET', '/api/v1/consumers/acme-secret-team/budget')).body.monthly_limit).toBe(50)
    expect((await api('alice', 'GET', '/api/v1/iam/ssh-keys')).body.ssh_keys.map((k: any) => k.id)).toContain(key.id)
    await api('alice', 'DELETE', `/api/v1/sessions/${session.id}`)
  }, 180_000)

  it('keeps budgets to admins, and the same idempotency key of two users apart', async () => {
    const refused = await api('bob', 'PUT', '/api/v1/consumers/vision/budget', {monthly_limit: 10})
    expect(refused.status).toBe(403)
    expect(refused.body.error).toContain('admin')
    const offer = (await api('bob', 'GET', '/api/v1/inventory?provider=tensordock&limit=1')).body.offers[0]
    const same = {'x-idempotency-key': 'shared-key'}
    const bobs = await api('bob', 'POST', '/api/v1/sessions', {offer_id: offer.id, consumer_id: 'vision', workload_type: 'ssh', reservation_hours: 1}, same)
    const carols = await api('carol', 'POST', '/api/v1/sessions', {offer_id: offer.id, consumer_id: 'vision', workload_type: 'ssh', reservation_hours: 1}, same)
    expect(bobs.status).toBe(201)
    expect(carols.status).toBe(201)
    expect(carols.body.session.id).not.toBe(bobs.body.session.id)
    await api('bob', 'DELETE', `/api/v1/sessions/${bobs.body.session.id}`)
    await api('carol', 'DELETE', `/api/v1/sessions/${carols.body.session.id}`)
  })
})

describe('the team server rate limit', () => {
  let idp: TestIdp
  let home: string
  let server: TeamServer

  beforeAll(async () => {
    idp = await startTestIdp()
    home = mkdtempSync(join(tmpdir(), 'gpu-shopper-team-rl-'))
    server = await startTeamServer(idp, home, ['--rate-limit', '0.2', '--rate-limit-burst', '3'])
  }, 90_000)
  afterAll(async () => {
    await server?.stop()
    await idp?.stop()
    if (home) rmSync(home, {recursive: true, force: true, maxRetries: 10})
  })

  it("answers one user's flood with 429 and Retry-After, and leaves another user alone", async () => {
    const bob = (await deviceFlowTokens(idp, 'bob')).access_token
    const carol = (await deviceFlowTokens(idp, 'carol')).access_token
    const get = (t: string) => fetch(`${server.url}/api/v1/sessions`, {headers: {authorization: `Bearer ${t}`}})
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await get(bob)).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const limited = await get(bob)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(await limited.json()).toMatchObject({error_type: 'rate_limit_exceeded', request_id: expect.any(String)})
    expect((await get(carol)).status).toBe(200)
  })
})

describe('the team server on the network', () => {
  let idp: TestIdp
  let dir: string

  beforeAll(async () => {
    idp = await startTestIdp()
    dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-team-tls-'))
  })
  afterAll(async () => {
    await idp?.stop()
    if (dir) rmSync(dir, {recursive: true, force: true, maxRetries: 10})
  })

  it('refuses to listen off loopback in clear text, naming the flags that fix it', async () => {
    const refused = await runCli(['serve', '--listen', '0.0.0.0:0', '--oidc-issuer', idp.issuer, '--oidc-audience', idp.audience, '--data-dir', dir], {env: userEnv()})
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stderr).toContain('clear text')
    expect(refused.stderr).toMatch(/--tls-cert and --tls-key, or --trust-proxy/)
    const badRate = await runCli(['serve', '--oidc-issuer', idp.issuer, '--oidc-audience', idp.audience, '--rate-limit', 'fast', '--data-dir', dir], {env: userEnv()})
    expect(badRate.exitCode).toBe(2)
    expect(badRate.stderr).toContain('--rate-limit must be requests per second')
  })

  it('serves HTTPS with the certificate it is given', async () => {
    const cert = join(dir, 'server.crt')
    const key = join(dir, 'server.key')
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert])
    const server = await startTeamServer(idp, join(dir, 'home'), ['--tls-cert', cert, '--tls-key', key], {ca: readFileSync(cert, 'utf8')})
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(await getStatus(`${server.url}/api/v1/sessions`, readFileSync(cert, 'utf8'))).toBe(401)
    } finally {
      await server.stop()
    }
  })
})
