import {execFile} from 'node:child_process'
import {chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {WebSocket} from 'ws'

import {startLoopbackSshd, type LoopbackSshd} from '../support/loopback-sshd.js'
import {pollUntil} from '../support/poll.js'
import {runCli} from '../support/cli.js'
import {getStatus, httpsRequest, startTeamServer, type TeamServer} from '../support/team-server.js'
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

  /** How the server answers a user's WebSocket upgrade to a session's SSH tunnel that it refuses. */
  const tunnelRefusal = (user: string, sessionId: string) =>
    new Promise<{status: number; error_type: string}>((resolve, reject) => {
      const url = `${server.url.replace(/^http/, 'ws')}/api/v1/sessions/${sessionId}/ssh-tunnel`
      const socket = new WebSocket(url, {headers: {authorization: `Bearer ${token[user]}`}})
      socket.once('open', () => {
        socket.terminate()
        reject(new Error(`the tunnel to ${sessionId} opened for ${user}`))
      })
      socket.once('error', () => undefined)
      socket.once('unexpected-response', (_request, response) => {
        let body = ''
        response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
        response.on('end', () => resolve({status: response.statusCode ?? 0, error_type: (JSON.parse(body) as {error_type: string}).error_type}))
      })
    })

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

  const nodeBody = (sshd: LoopbackSshd, over: Record<string, unknown>) => ({
    host: sshd.host,
    port: sshd.port,
    user: sshd.user,
    region: 'lab',
    price_per_gpu_hour: 0.5,
    cpu_slices: 1,
    cpu_slice_price_per_hour: 0.02,
    ...over,
  })
  /** A node of `tenant` registered by its admin, its key where the server takes that tenant's node keys from. */
  const registerNode = async (admin: string, tenant: string, sshd: LoopbackSshd, over: {name: string; region: string}) => {
    const folder = join(home, 'data', 'node-keys', tenant)
    mkdirSync(folder, {recursive: true, mode: 0o700})
    const identityFile = join(folder, 'id_ed25519')
    copyFileSync(sshd.identityFile, identityFile)
    chmodSync(identityFile, 0o600)
    const added = await api(admin, 'POST', '/api/v1/nodes', nodeBody(sshd, {...over, identity_file: identityFile}))
    expect(added.status, JSON.stringify(added.body)).toBe(201)
    return added.body
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
    // acme's things, each made by the user whose name the audit log then shows: a session, a
    // budget and a self-hosted node (alice, the admin), an SSH key (bob).
    const consumer = 'acme-secret-team'
    const offer = (await api('alice', 'GET', '/api/v1/inventory?provider=tensordock&limit=1')).body.offers[0]
    const session = (await api('alice', 'POST', '/api/v1/sessions', {offer_id: offer.id, consumer_id: consumer, workload_type: 'ssh', reservation_hours: 1})).body.session
    const keyLine = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv2sGk1pI0mXyQ0l9o7oGk7xzY1Zb7mQjCwq3GmH0aT acme'
    const key = (await api('bob', 'POST', '/api/v1/iam/ssh-keys', {title: 'acme-secret-key', key_body: keyLine})).body
    expect((await api('alice', 'PUT', `/api/v1/consumers/${consumer}/budget`, {monthly_limit: 50})).status).toBe(200)
    const sshd = await startLoopbackSshd()
    try {
      const node = await registerNode('alice', 'acme', sshd, {name: 'acme-secret-node', region: 'acme-secret-lab'})
      await pollUntil(async () => ((await api('alice', 'GET', `/api/v1/sessions/${session.id}`)).body.provider_instance_id ? true : undefined), 'the session to have an instance')
      const instanceId = (await api('alice', 'GET', `/api/v1/sessions/${session.id}`)).body.provider_instance_id as string

      // What would show if a reply leaked acme's data; the tenant and its users' names are in its audit entries.
      const secrets: Record<string, string> = {
        'session id': session.id,
        'instance id': instanceId,
        consumer,
        'ssh key id': key.id,
        'ssh key title': key.title,
        'ssh key fingerprint': key.fingerprint,
        'ssh key body': keyLine.split(' ')[1]!,
        'node id': node.id,
        'node name': node.name,
        'node region': node.region,
        'node host key': node.host_key_fingerprint,
        tenant: 'acme',
        'audit user alice': 'alice',
        'audit user bob': 'bob',
      }
      // Where the machine runs libvirt the node is ready and its CPU slice is on offer, to acme only.
      const ids = {consumer, session: session.id, key: key.id, node: node.name, offer: `selfhosted-${node.name}.cpu`}

      const walk = walkOf((await api('dave', 'GET', '/api/v1/openapi.json')).body, ids, {
        '/api/v1/consumers/{id}/budget': {monthly_limit: 1},
        '/api/v1/sessions/{id}/extend': {additional_hours: 1},
        '/api/v1/nodes/{name}/host-key': {host_key: `SHA256:${'A'.repeat(43)}`},
        // Creations naming acme's node offer or key: unknown, neither rented nor injected for globex.
        '/api/v1/sessions': {offer_id: ids.offer, consumer_id: consumer, workload_type: 'ssh', reservation_hours: 1},
        '/api/v1/allocations': {sku: (await api('dave', 'GET', '/api/v1/catalog')).body.items[0].sku, gpus_total: 1, consumer_id: consumer, ssh_key_ids: [key.id]},
        // acme's node name: taken on this server, which says no more than that.
        '/api/v1/nodes': nodeBody(sshd, {name: node.name, identity_file: join(home, 'data', 'node-keys', 'globex', 'id_ed25519')}),
        '/api/v1/reconcile': {dry_run: true},
      })
      expect(walk.length).toBeGreaterThan(40)
      expect(walk.filter((step) => step.method !== 'GET').length).toBeGreaterThan(15)

      // Reads first, so globex's audit log holds none of the ids its users are about to send.
      // (A budget globex sets for a consumer label of the same name is its own, echoed back.)
      for (const step of walk) {
        for (const user of ['carol', 'dave']) {
          const reply = await api(user, step.method, step.url, step.body)
          const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
          const where = `${user} ${step.method} ${step.url} -> ${reply.status} ${text.slice(0, 300)}`
          // A walk of refused tokens would prove nothing.
          expect(reply.status, where).not.toBe(401)
          expect(reply.status, where).toBeLessThan(500)
          const rest = withoutEchoes(text, reply.status, step.sent)
          for (const [name, secret] of Object.entries(secrets)) expect(rest.includes(secret), `${name} in ${where}`).toBe(false)
          // An id of another tenant is unknown, never forbidden, whoever asks.
          if (step.expect404) expect(reply.status, where).toBe(404)
        }
      }

      // The control: acme's own admin, on the same reads with the same echoes removed, sees every one of those secrets.
      const seen = new Set<string>()
      for (const step of walk.filter((s) => s.method === 'GET')) {
        const reply = await api('alice', 'GET', step.url)
        const rest = withoutEchoes(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), reply.status, step.sent)
        for (const [name, secret] of Object.entries(secrets)) if (rest.includes(secret)) seen.add(name)
      }
      expect([...seen].sort()).toEqual(Object.keys(secrets).sort())

      // globex's audit log holds only its own users' attempts.
      const globexAudit = (await api('dave', 'GET', '/api/v1/audit?limit=500')).body.entries as {user: string; tenant: string}[]
      expect(globexAudit.length).toBeGreaterThan(15)
      expect(new Set(globexAudit.map((e) => `${e.tenant} ${e.user}`))).toEqual(new Set(['globex carol', 'globex dave']))

      // /metrics (not in the document): admins only, each seeing its own tenant's sessions.
      expect((await api('carol', 'GET', '/metrics')).status).toBe(403)
      const sessionsGauge = (text: string) => text.split('\n').filter((line) => line.startsWith('gpu_shopper_sessions{'))
      expect(sessionsGauge((await api('alice', 'GET', '/metrics')).body)).toContainEqual(expect.stringMatching(/^gpu_shopper_sessions\{provider="tensordock",status="\w+"\} 1$/))
      expect(sessionsGauge((await api('dave', 'GET', '/metrics')).body)).toEqual([])

      // The SSH tunnel (a WebSocket, not in the OpenAPI document) is refused before it opens:
      // another tenant's session does not exist for dave; alice's is not behind a node.
      expect(await tunnelRefusal('dave', session.id)).toMatchObject({status: 404, error_type: 'not_found'})
      expect(await tunnelRefusal('alice', session.id)).toMatchObject({status: 409, error_type: 'conflict'})

      // acme's things are all still there and unchanged for acme.
      expect((await api('alice', 'GET', `/api/v1/sessions/${session.id}`)).body.status).not.toBe('stopping')
      expect((await api('alice', 'GET', `/api/v1/consumers/${consumer}/budget`)).body.monthly_limit).toBe(50)
      expect((await api('alice', 'GET', '/api/v1/iam/ssh-keys')).body.ssh_keys.map((k: any) => k.id)).toContain(key.id)
      expect((await api('alice', 'GET', `/api/v1/nodes/${node.name}`)).body.host_key_fingerprint).toBe(node.host_key_fingerprint)
      await api('alice', 'DELETE', `/api/v1/sessions/${session.id}`)
      await api('alice', 'DELETE', `/api/v1/nodes/${node.name}`)
      // globex's own budget on a consumer of the same name (a label inside each tenant).
      await api('dave', 'DELETE', `/api/v1/consumers/${consumer}/budget`)
    } finally {
      await sshd.stop()
    }
  }, 240_000)

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

  it('serves HTTPS with the certificate it is given, and hands out https and wss terminal links that work', async () => {
    const cert = join(dir, 'server.crt')
    const key = join(dir, 'server.key')
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert])
    const ca = readFileSync(cert, 'utf8')
    const server = await startTeamServer(idp, join(dir, 'home'), ['--tls-cert', cert, '--tls-key', key], {ca})
    try {
      expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
      expect(await getStatus(`${server.url}/api/v1/sessions`, ca)).toBe(401)

      // Given a running session of bob's,
      const bob = (await deviceFlowTokens(idp, 'bob')).access_token
      const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
        httpsRequest(server.url + path, ca, {method, body, headers: {authorization: `Bearer ${bob}`, ...headers}})
      const offer = (await call('GET', '/api/v1/inventory?provider=tensordock&limit=1')).body.offers[0]
      const id = (await call('POST', '/api/v1/sessions', {offer_id: offer.id, consumer_id: 'tls', workload_type: 'ssh', reservation_hours: 1})).body.session.id as string
      await pollUntil(async () => ((await call('GET', `/api/v1/sessions/${id}`)).body.status === 'running' ? true : undefined), 'the session to run')

      // when he mints a terminal token over HTTPS (forwarded headers mean nothing without --trust-proxy),
      const minted = await call('POST', `/api/v1/sessions/${id}/terminal-token`, undefined, {'x-forwarded-proto': 'http', 'x-forwarded-host': 'elsewhere.example'})
      expect(minted.status).toBe(200)
      const {host} = new URL(server.url)
      const query = `token=${encodeURIComponent(minted.body.token)}`
      // then the links are https and wss on the host:port he reached,
      expect(minted.body.page_url).toBe(`https://${host}/terminal?${query}`)
      expect(minted.body.ws_url).toBe(`wss://${host}/api/v1/terminal/ws?${query}`)
      expect(await getStatus(minted.body.page_url, ca)).toBe(200)
      // and the wss socket opens a shell on the instance.
      const term = openTlsTerminal(minted.body.ws_url, ca)
      await term.waitFor(/:~[#$] $/)
      term.send('echo over-wss\r')
      await term.waitFor('over-wss\r\n')
      term.send('exit\r')
      expect((await term.closed).reason).toBe('the shell exited')
      await call('DELETE', `/api/v1/sessions/${id}`)
    } finally {
      await server.stop()
    }
  }, 120_000)
})

interface WalkStep {
  method: string
  url: string
  body?: unknown
  /** What the request itself carries, by field: a reply may say it back. */
  sent: {field: string; value: string}[]
  /** It names one of acme's things, in its path or by id in its body: unknown to anyone else. */
  expect404: boolean
}

/**
 * Every operation of the OpenAPI document as a request naming acme's things: `ids` in the path,
 * `bodies` where it takes one; a read with acme's consumer or session filter is walked once
 * with each and once without. Reads come first, then deletions: a deletion can then only find
 * acme's thing, not one the walk made for globex under the same consumer label.
 */
function walkOf(
  document: {paths: Record<string, Record<string, {parameters?: {in: string; name: string}[]}>>},
  ids: Record<'consumer' | 'session' | 'key' | 'node' | 'offer', string>,
  bodies: Record<string, object>,
): WalkStep[] {
  // A consumer id is a cost label inside each tenant: globex may have one of the same name.
  const acmeIds = new Set([ids.session, ids.key, ids.node, ids.offer])
  const steps: WalkStep[] = []
  for (const [path, operations] of Object.entries(document.paths)) {
    const sent: WalkStep['sent'] = []
    const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const [field, value] =
        name === 'name'
          ? ['name', ids.node]
          : path.includes('/consumers/')
            ? ['consumer_id', ids.consumer]
            : path.includes('/ssh-keys/')
              ? ['id', ids.key]
              : path.includes('/inventory/')
                ? ['id', ids.offer]
                : ['id', ids.session]
      sent.push({field, value})
      return value
    })
    const namesAcme = /\{(id|name)\}/.test(path) && !path.includes('/consumers/')
    for (const [method, operation] of Object.entries(operations)) {
      if (method === 'get') {
        const filters = (operation.parameters ?? []).filter((p) => p.in === 'query' && (p.name === 'consumer_id' || p.name === 'session_id')).map((p) => p.name)
        for (const filter of [null, ...filters]) {
          const value = filter === 'consumer_id' ? ids.consumer : ids.session
          steps.push({
            method: 'GET',
            url: filter ? `${url}?${filter}=${encodeURIComponent(value)}` : url,
            sent: filter ? [...sent, {field: filter, value}] : sent,
            expect404: namesAcme,
          })
        }
        continue
      }
      const body = bodies[path]
      const fields = Object.entries(body ?? {}).flatMap(([field, v]) => (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string').map((value: string) => ({field, value})))
      const refersToAcme = fields.some(({field, value}) => /_ids?$/.test(field) && acmeIds.has(value))
      steps.push({method: method.toUpperCase(), url, body, sent: [...sent, ...fields], expect404: namesAcme || refersToAcme})
    }
  }
  const rank = (step: WalkStep) => (step.method === 'GET' ? 0 : step.method === 'DELETE' ? 1 : 2)
  return steps.sort((a, b) => rank(a) - rank(b))
}

/**
 * A reply less what the caller itself sent: a refusal may say it back anywhere ("session X does
 * not exist"); a success only as the request's own field (`"consumer_id":"X"` of a filter).
 */
function withoutEchoes(text: string, status: number, sent: WalkStep['sent']): string {
  let rest = text
  for (const {field, value} of [...sent].sort((a, b) => b.value.length - a.value.length)) rest = rest.split(status >= 400 ? value : `"${field}":${JSON.stringify(value)}`).join('')
  return rest
}

/** The browser terminal's socket over TLS, trusting the server's self-signed certificate as a browser told to would. */
function openTlsTerminal(url: string, ca: string) {
  const socket = new WebSocket(url, {ca})
  let output = ''
  socket.on('message', (data) => (output += data.toString('utf8')))
  socket.on('error', () => undefined)
  const closed = new Promise<{code: number; reason: string}>((resolve) => socket.on('close', (code, reason) => resolve({code, reason: reason.toString('utf8')})))
  return {
    send: (data: string) => socket.send(data),
    closed,
    waitFor: (text: string | RegExp) =>
      pollUntil(() => ((typeof text === 'string' ? output.includes(text) : text.test(output)) ? output : undefined), `${String(text)} in the terminal`, 15_000).catch((err: Error) => {
        throw new Error(`${err.message}; it shows ${JSON.stringify(output)}`)
      }),
  }
}
