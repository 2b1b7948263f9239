import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {type AuthServerStandIn, startAuthServerStandIn} from '../../../test/support/auth-server-stand-in.js'
import {pollUntil} from '../../../test/support/poll.js'
import {approveDeviceLogin, deviceFlowTokens, startTestIdp, TEST_CLI_CLIENT_ID, type TestIdp, type TestIdpOptions} from '../../../test/support/test-idp.js'
import {appPaths} from '../../config/paths.js'
import {bearerForServer} from './access-token.js'
import {credentialsFromTokens} from './credentials.js'
import {AuthError} from './errors.js'
import {fileStore} from './file-store.js'
import {login} from './login.js'
import {logout} from './logout.js'
import {refreshingFetch} from './refreshing-fetch.js'

/**
 * The login flows against a real OpenID provider on loopback, below the CLI: the device flow
 * approved over HTTP, the silent refresh, a refresh token that no longer works, and a logout
 * that revokes. The server side is the stand-in's /auth/config and /auth/whoami.
 */
describe('logging in to a team server', () => {
  let idp: TestIdp
  let server: AuthServerStandIn
  let home: string
  let env: NodeJS.ProcessEnv
  let said: string[]
  let warnings: string[]

  const start = async (options: TestIdpOptions = {}) => {
    idp = await startTestIdp(options)
    server = await startAuthServerStandIn(idp)
  }
  const ui = () => ({say: (m: string) => said.push(m), warn: (m: string) => warnings.push(m), signal: new AbortController().signal})

  /** Runs a device login and approves it over HTTP as `user` once the code is shown. */
  const deviceLogin = async (user: string, extra: {tenantHint?: string} = {}) => {
    const loggingIn = login({server: server.url, device: true, env, ...extra}, ui())
    const url = await pollUntil(() => said.map((m) => /\(or open (\S+user_code=\S+)/.exec(m)?.[1]).find(Boolean), 'the device code')
    await approveDeviceLogin(url, user)
    return loggingIn
  }
  /**
   * A login as `auth login` leaves it, without the device flow's five-second polling: tokens
   * from the same client and audience, approved over HTTP, put in the store.
   */
  const seedLogin = async (user: string) => {
    const tokens = await deviceFlowTokens(idp, user)
    await fileStore(appPaths(env)).set(credentialsFromTokens(server.url, {issuer: idp.issuer, clientId: TEST_CLI_CLIENT_ID, audience: idp.audience}, tokens, Date.now()))
  }
  const stored = async () => (await fileStore(appPaths(env)).get(server.url))!

  /** What the IdP says to a refresh token now (used after the CLI is done with it). */
  const refreshAtIdp = async (refreshToken: string) => {
    const res = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({client_id: TEST_CLI_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken, resource: idp.audience}),
    })
    return {status: res.status, body: (await res.json()) as {error?: string}}
  }

  // The keychain module reads this process's environment: without a session bus it finds no
  // Secret Service, so a developer's own keychain is never written by these tests.
  const bus = {DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR}
  beforeAll(() => {
    delete process.env.DBUS_SESSION_BUS_ADDRESS
    delete process.env.XDG_RUNTIME_DIR
  })
  afterAll(() => {
    for (const [name, value] of Object.entries(bus)) if (value !== undefined) process.env[name] = value
  })

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'gpu-shopper-auth-'))
    // No D-Bus session: the file store, whatever the machine running the tests has.
    env = {GPU_SHOPPER_HOME: home, PATH: process.env.PATH}
    said = []
    warnings = []
  })
  afterEach(async () => {
    await server?.close()
    await idp?.stop()
    await rm(home, {recursive: true, force: true})
  })

  it('logs in by the device flow, for the server\'s audience, and the server knows who it is', async () => {
    await start()

    // When bob logs in by the device flow and approves it
    const result = await deviceLogin('bob', {tenantHint: 'acme'})

    // Then the server takes the new token for bob of acme, and the login is stored
    expect(result).toMatchObject({server: server.url, flow: 'device', user: 'bob', tenant: 'acme', role: 'member', refreshable: true, store: 'file'})
    expect(said.join('\n')).toMatch(/open http:\/\/127\.0\.0\.1:\d+\/device on any device and enter the code [A-Z]{4}-[A-Z]{4}/)
    const credentials = await stored()
    expect(credentials).toMatchObject({issuer: idp.issuer, clientId: TEST_CLI_CLIENT_ID, audience: idp.audience})
    // The access token was issued for the server's audience (RFC 8707 resource), not the IdP's userinfo
    const claims = JSON.parse(Buffer.from(credentials.accessToken.split('.')[1]!, 'base64url').toString()) as {aud: string}
    expect(claims.aud).toBe(idp.audience)
    expect(server.acceptedTokens).toEqual([credentials.accessToken])
  })

  it('renews an access token about to expire, silently, and the server accepts the new one', async () => {
    await start({accessTokenTtl: 300})
    await seedLogin('carol')
    const before = await stored()

    // Given a clock four and a half minutes on: less than a minute left
    const later = () => Date.now() + 270_000
    const renewed = await bearerForServer(server.url, {env, now: later})

    // Then a new token came from the refresh token, was stored, and works at the server
    expect(renewed).toMatchObject({refreshed: true, source: 'file'})
    expect(renewed!.accessToken).not.toBe(before.accessToken)
    expect((await stored()).accessToken).toBe(renewed!.accessToken)
    // The IdP rotated the refresh token: the new one is kept
    expect((await stored()).refreshToken).not.toBe(before.refreshToken)
    // And now (real time) the fresh token is used as it is
    expect(await bearerForServer(server.url, {env})).toMatchObject({refreshed: false, accessToken: renewed!.accessToken})
    const {fetchWhoAmI} = await import('./whoami.js')
    expect(await fetchWhoAmI(server.url, renewed!.accessToken)).toMatchObject({user: 'carol', tenant: 'globex'})
  })

  it('keeps a long-running client\'s token fresh: each request renews first when the token is about to expire', async () => {
    await start({accessTokenTtl: 300})
    await seedLogin('bob')
    let clock = Date.now()
    const initial = (await bearerForServer(server.url, {env, now: () => clock}))!
    const transport = refreshingFetch(server.url, initial, {env, now: () => clock})

    // When a request goes out with a fresh token, and another four and a half minutes later
    expect((await transport(`${server.url}/api/v1/auth/whoami`)).status).toBe(200)
    clock += 270_000
    expect((await transport(`${server.url}/api/v1/auth/whoami`)).status).toBe(200)

    // Then the first carried the login's token and the second a renewed one, now the stored one
    expect(server.acceptedTokens[0]).toBe(initial.accessToken)
    expect(server.acceptedTokens[1]).not.toBe(initial.accessToken)
    expect((await stored()).accessToken).toBe(server.acceptedTokens[1])
  })

  it('spends a rotating refresh token once when two commands renew at the same time', async () => {
    await start()
    await seedLogin('bob')
    const later = () => Date.now() + 270_000

    // When two renewals race (two commands started together)
    const [a, b] = await Promise.all([bearerForServer(server.url, {env, now: later}), bearerForServer(server.url, {env, now: later})])

    // Then both got a token and the stored refresh token still works (a second spend would have revoked the grant)
    expect(a!.accessToken).toBeTruthy()
    expect(b!.accessToken).toBeTruthy()
    expect((await refreshAtIdp((await stored()).refreshToken!)).status).toBe(200)
  })

  it('says to log in again, with the exact command, when the refresh token has expired', async () => {
    await start({accessTokenTtl: 300, refreshTokenTtl: 1})
    await seedLogin('bob')
    const {obtainedAt} = await stored()
    // The IdP counts whole seconds: wait until its refresh token is past its one second
    await pollUntil(() => (Math.floor(Date.now() / 1000) > Math.floor(obtainedAt / 1000) + 2 ? true : undefined), 'the refresh token to expire', 5_000)

    // When a command needs a renewal
    const failure = await bearerForServer(server.url, {env, now: () => Date.now() + 270_000}).catch((err: unknown) => err)

    // Then it is the login_required error naming the command, and the stored login is kept for status to show
    expect(failure).toBeInstanceOf(AuthError)
    expect(failure).toMatchObject({kind: 'login_required', fix: expect.stringContaining(`\`gpu-shopper auth login --server ${server.url}\``)})
    expect((failure as Error).message).toMatch(/invalid_grant/)
  })

  it('revokes at the IdP on logout: the refresh token no longer works, and nothing is left stored', async () => {
    await start()
    await seedLogin('alice')
    const {refreshToken} = await stored()

    // When alice logs out
    const result = await logout(server.url, {env, warn: (m) => warnings.push(m)})

    // Then the IdP refuses the old refresh token and the store is empty
    expect(result).toEqual({server: server.url, was_logged_in: true, revocation: 'revoked', deleted_from: ['file']})
    expect(await refreshAtIdp(refreshToken!)).toMatchObject({status: 400, body: {error: 'invalid_grant'}})
    expect(await fileStore(appPaths(env)).get(server.url)).toBeNull()
    expect(await bearerForServer(server.url, {env})).toBeNull()
    // JWT access tokens cannot be revoked at this IdP (RFC 7009 allows that): not a warning
    expect(warnings).toEqual([])

    // And a second logout has nothing to do
    expect(await logout(server.url, {env, warn: (m) => warnings.push(m)})).toMatchObject({was_logged_in: false, deleted_from: []})
  })

  it('tells a solo local daemon\'s user that no login is needed', async () => {
    server = await startAuthServerStandIn(null, {mode: 'static'})
    const failure = await login({server: server.url, device: true, env}, ui()).catch((err: unknown) => err)
    expect(failure).toMatchObject({kind: 'no_login_needed', message: `${server.url} is a solo gpu-shopper daemon: it needs no login`})
  })

  it('uses a --with-token login until it has expired, then asks for a new one', async () => {
    // Given a pasted token (no refresh token) with 30 s left, then the same one expired
    const pasted = {server: 'https://gpus.example', issuer: null, clientId: null, audience: null, accessToken: 'pasted', refreshToken: null, expiresAt: Date.now() + 30_000, obtainedAt: 0}
    await fileStore(appPaths(env)).set(pasted)

    // Then it is used as it is inside the renewal margin: nothing could renew it early
    expect(await bearerForServer(pasted.server, {env})).toMatchObject({accessToken: 'pasted', refreshed: false})
    // And once expired the user is told to log in again
    await expect(bearerForServer(pasted.server, {env, now: () => Date.now() + 31_000})).rejects.toMatchObject({
      kind: 'login_required',
      message: expect.stringContaining('the access token given with --with-token has expired'),
    })
  })

  it('uses GPU_SHOPPER_TOKEN without touching the store', async () => {
    await start()
    const bearer = await bearerForServer(server.url, {env: {...env, GPU_SHOPPER_TOKEN: 'from-env'}, store: undefined})
    expect(bearer).toEqual({accessToken: 'from-env', source: 'env', credentials: null, location: null, refreshed: false})
  })
})
