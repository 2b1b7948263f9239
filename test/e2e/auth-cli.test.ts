import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {type Browser, chromium} from 'playwright-core'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {credentialsFromTokens} from '../../src/client/auth/credentials.js'
import {fileStore} from '../../src/client/auth/file-store.js'
import {appPaths} from '../../src/config/paths.js'
import {type CliResult, REPO_ROOT, runCli} from '../support/cli.js'
import {startDaemonProcess} from '../support/daemon-process.js'
import {pollUntil} from '../support/poll.js'
import {startTeamServer, type TeamServer} from '../support/team-server.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'
import {approveDeviceLogin, deviceFlowTokens, startTestIdp, TEST_CLI_CLIENT_ID, type TestIdp, type TestIdpOptions} from '../support/test-idp.js'

const CHROMIUM = '/usr/bin/chromium'

interface LiveCli {
  /** stderr so far: where the login URL and the device code appear. */
  stderr(): string
  done: Promise<CliResult>
}

/** The built CLI as a user runs it, with its stderr readable while it waits for the login. */
function startCli(args: string[], env: NodeJS.ProcessEnv): LiveCli {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (exitCode, signal) => {
      clearTimeout(killer)
      resolve({stdout, stderr, exitCode, signal, json: () => JSON.parse(stdout)})
    })
  })
  return {stderr: () => stderr, done}
}

/**
 * One IdP and one real team server (`gpu-shopper serve`, simulated market) for a group of tests;
 * each test gets its own CLI home, so its own stored login. No D-Bus session and no display:
 * the tokens go to the 0600 file (the keychain has its own test, inside dbus-run-session) and no
 * browser can open.
 */
function teamServerGroup(idpOptions: TestIdpOptions = {}) {
  const group = {} as {idp: TestIdp; server: TeamServer; home: TempHome; env: NodeJS.ProcessEnv}
  let serverData: string
  beforeAll(async () => {
    group.idp = await startTestIdp(idpOptions)
    serverData = await mkdtemp(join(tmpdir(), 'gpu-shopper-team-'))
    group.server = await startTeamServer(group.idp, serverData)
  })
  afterAll(async () => {
    await group.server?.stop()
    await group.idp?.stop()
    if (serverData) await rm(serverData, {recursive: true, force: true, maxRetries: 10})
  })
  beforeEach(async () => {
    group.home = await createTempHome()
    group.env = {...group.home.env}
    // No session bus (so no keychain: a developer's own is never touched) and no display.
    for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'DISPLAY', 'WAYLAND_DISPLAY']) delete group.env[name]
  })
  afterEach(async () => group.home?.cleanup())

  const credentialsFile = () => join(group.home.home, 'config', 'credentials.json')
  return {
    group,
    cli: (...args: string[]) => runCli(args, {env: group.env}),
    credentialsFile,
    stored: async () => (await fileStore(appPaths(group.env)).get(group.server.url))!,
    /** A login as `auth login` leaves it, without the device flow's five-second polling. */
    seedLogin: async (user: string) => {
      const {idp, server} = group
      const tokens = await deviceFlowTokens(idp, user)
      await fileStore(appPaths(group.env)).set(credentialsFromTokens(server.url, {issuer: idp.issuer, clientId: TEST_CLI_CLIENT_ID, audience: idp.audience}, tokens, Date.now()))
    },
    /** What the IdP says to a refresh token now. */
    refreshAtIdp: async (refreshToken: string) =>
      (
        await fetch(`${group.idp.issuer}/token`, {
          method: 'POST',
          body: new URLSearchParams({client_id: TEST_CLI_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken, resource: group.idp.audience}),
        })
      ).status,
  }
}

describe('auth login, status, token and logout against a team server and its IdP', () => {
  const {group, cli, credentialsFile, stored, seedLogin, refreshAtIdp} = teamServerGroup()

  describe.skipIf(!existsSync(CHROMIUM))(`in a real headless Chromium${existsSync(CHROMIUM) ? '' : ' (SKIPPED: apt-get install chromium)'}`, () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      })
    })
    afterAll(async () => browser?.close())

    it('logs in by authorization code + PKCE: the URL printed, the IdP\'s form filled, the loopback redirect caught', async () => {
      const {idp, server, env} = group

      // When alice runs `auth login --no-browser` and opens the URL it prints
      const login = startCli(['auth', 'login', '--server', server.url, '--no-browser', '--tenant-hint', 'acme', '--json'], env)
      const url = await pollUntil(() => /^(http:\/\/127\.0\.0\.1:\d+\/auth\?\S+)$/m.exec(login.stderr())?.[1], 'the authorization URL on stderr', 15_000)
      expect(Object.fromEntries(new URL(url).searchParams)).toMatchObject({
        client_id: TEST_CLI_CLIENT_ID,
        response_type: 'code',
        code_challenge_method: 'S256',
        resource: idp.audience,
        // offline_access needs it (OIDC Core §11), or the IdP issues no refresh token
        prompt: 'consent',
        tenant_hint: 'acme',
        redirect_uri: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/callback$/),
      })
      const page = await browser.newPage()
      try {
        await page.goto(url)
        await page.fill('input[name="login"]', 'alice')
        await page.fill('input[name="password"]', 'any password')
        await page.click('button[type="submit"]')
        // The consent page prompt=consent asks for, confirmed as a person would
        await pollUntil(async () => {
          if ((await page.title()).startsWith('gpu-shopper login')) return true
          const consent = page.locator('button[type="submit"]')
          if (await consent.count()) await consent.first().click().catch(() => undefined)
          return undefined
        }, 'the browser to come back to the CLI', 15_000, 200)

        // Then the tab says so, and the CLI stored the login and reports alice of acme, admin
        expect(await page.title()).toBe('gpu-shopper login complete')
        const result = await login.done
        expect(result.exitCode, result.stderr).toBe(0)
        const envelope = result.json() as {ok: boolean; data: Record<string, unknown>}
        expect(envelope.data).toMatchObject({server: server.url, flow: 'browser', user: 'alice', tenant: 'acme', role: 'admin', refreshable: true, store: 'file'})
        const credentials = await stored()
        expect(credentials.refreshToken).toBeTruthy()
        // And no token is in the --json output
        expect(result.stdout).not.toContain(credentials.accessToken)
        expect(result.stdout).not.toContain(credentials.refreshToken)
        // And the login works for an ordinary command
        const sessions = await cli('sessions', '--server', server.url)
        expect(sessions.exitCode, sessions.stderr).toBe(0)
      } finally {
        await page.close()
      }
    })
  })

  it('takes the device flow on a machine with no browser, approved on another device', async () => {
    const {server, env} = group

    // When bob logs in where no browser can open (no DISPLAY)
    const login = startCli(['auth', 'login', '--server', server.url], env)
    const url = await pollUntil(() => /\(or open (\S+user_code=\S+) /.exec(login.stderr())?.[1], 'the device code on stderr', 15_000)
    expect(login.stderr()).toMatch(/open http:\/\/127\.0\.0\.1:\d+\/device on any device and enter the code [A-Z]{4}-[A-Z]{4}/)
    await approveDeviceLogin(url, 'bob')

    // Then the login succeeds and says where the token is kept
    const result = await login.done
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain(`Logged in to ${server.url} as bob (tenant acme, role member).`)
    expect(result.stdout).toContain(`it is kept in ${credentialsFile()}`)
  })

  it('stores the tokens in a 0600 file without a keychain, warning once, and status names the store', async () => {
    const {idp, server, env} = group
    const bob = await deviceFlowTokens(idp, 'bob')

    // When a token is logged in from stdin twice (CI)
    const first = await runCli(['auth', 'login', '--server', server.url, '--with-token'], {env, input: `${bob.access_token}\n`})
    const second = await runCli(['auth', 'login', '--server', server.url, '--with-token'], {env, input: bob.access_token})

    // Then the file is the user's alone, and only the first login warned, naming it
    expect(first.exitCode, first.stderr).toBe(0)
    expect(second.exitCode, second.stderr).toBe(0)
    expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600)
    expect(first.stderr).toContain(`stored in the file ${credentialsFile()} (mode 0600`)
    expect(second.stderr).not.toContain('stored in the file')

    // And status reads it back from the server, naming the store, with no token in --json
    const status = await cli('auth', 'status', '--server', server.url, '--json')
    expect(status.exitCode, status.stderr).toBe(0)
    expect(status.json().data).toMatchObject({server: server.url, user: 'bob', tenant: 'acme', role: 'member', source: 'file', store_location: credentialsFile(), refreshable: false})
    expect(status.stdout).not.toContain(bob.access_token)
    const human = await cli('auth', 'status', '--server', server.url)
    expect(human.stdout).toContain(`file: ${credentialsFile()}`)

    // And `auth token` is the one that prints it, on stdout alone
    const token = await cli('auth', 'token', '--server', server.url)
    expect(token.stdout).toBe(`${bob.access_token}\n`)
  })

  it('refuses to store a token the server does not take', async () => {
    const {server, env} = group
    const result = await runCli(['auth', 'login', '--server', server.url, '--with-token'], {env, input: 'not-a-token'})
    expect(result.exitCode).toBe(8)
    expect(result.stderr).toContain(`Error: ${server.url} refused the token from stdin`)
    expect(existsSync(credentialsFile())).toBe(false)
  })

  it('uses GPU_SHOPPER_TOKEN for --server and never reads or writes the store', async () => {
    const {idp, server, env} = group
    const alice = await deviceFlowTokens(idp, 'alice')
    const withEnv = {...env, GPU_SHOPPER_TOKEN: alice.access_token}

    const status = await runCli(['auth', 'status', '--server', server.url, '--json'], {env: withEnv})
    expect(status.exitCode, status.stderr).toBe(0)
    expect(status.json().data).toMatchObject({user: 'alice', role: 'admin', source: 'env', store_location: null})
    expect((await runCli(['sessions', '--server', server.url], {env: withEnv})).exitCode).toBe(0)
    expect(existsSync(credentialsFile())).toBe(false)
  })

  it('logs out: the IdP no longer takes the refresh token, and status says to log in', async () => {
    const {server} = group
    await seedLogin('alice')
    const {refreshToken} = await stored()

    const out = await cli('auth', 'logout', '--server', server.url, '--json')
    expect(out.exitCode, out.stderr).toBe(0)
    expect(out.json().data).toEqual({server: server.url, was_logged_in: true, revocation: 'revoked', deleted_from: ['file']})

    expect(await refreshAtIdp(refreshToken!)).toBe(400)
    const status = await cli('auth', 'status', '--server', server.url)
    expect(status.exitCode).toBe(8)
    expect(status.stderr).toContain(`Fix: Log in: \`gpu-shopper auth login --server ${server.url}\``)
    expect(existsSync(credentialsFile())).toBe(false)
    // And a command without a login gets the server's 401 with the same command as its fix
    const sessions = await cli('sessions', '--server', server.url)
    expect(sessions.exitCode).toBe(8)
    expect(sessions.stderr).toContain(`Log in with \`gpu-shopper auth login --server ${server.url}\``)
  })

  it('refuses a login without a server', async () => {
    const missing = await cli('auth', 'login')
    expect(missing.exitCode).toBe(2)
    expect(missing.stderr).toContain('--server is required')
  })
})

describe('a login whose access tokens live 30 seconds', () => {
  // Always inside the minute's margin: every command renews first.
  const {group, cli, stored, seedLogin} = teamServerGroup({accessTokenTtl: 30})

  it('renews the access token silently when a command connects, and the server takes the new one', async () => {
    const {server} = group
    await seedLogin('carol')
    const before = await stored()

    // When an ordinary command talks to the server
    const sessions = await cli('sessions', '--server', server.url, '--json')

    // Then it succeeded, said nothing about it, and the renewed tokens are the stored ones
    expect(sessions.exitCode, sessions.stderr).toBe(0)
    expect(sessions.stderr).toBe('')
    const after = await stored()
    expect(after.accessToken).not.toBe(before.accessToken)
    expect(after.refreshToken).not.toBe(before.refreshToken)
    // And the server takes the renewed token as carol's
    const status = await cli('auth', 'status', '--server', server.url, '--json')
    expect(status.json().data).toMatchObject({user: 'carol', tenant: 'globex', refreshable: true})
  })

  it('says to log in again with the exact command when the refresh token no longer works, without a stack trace', async () => {
    const {idp, server} = group
    // Given a login whose refresh token was revoked at the IdP (as by a logout elsewhere)
    await seedLogin('bob')
    const revoked = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      body: new URLSearchParams({client_id: TEST_CLI_CLIENT_ID, token: (await stored()).refreshToken!, token_type_hint: 'refresh_token'}),
    })
    expect(revoked.status).toBe(200)

    // When a command needs to renew the access token
    const result = await cli('sessions', '--server', server.url)

    // Then it fails with the auth exit code, the reason and the command
    expect(result.exitCode).toBe(8)
    expect(result.stderr).toContain(`Error: your login to ${server.url} has expired or was revoked (the identity provider refused the refresh token: invalid_grant`)
    expect(result.stderr).toContain(`Fix: Log in again: \`gpu-shopper auth login --server ${server.url}\``)
    expect(result.stderr).not.toMatch(/\n\s+at /)
    const json = await cli('auth', 'token', '--server', server.url, '--json')
    expect(json.json().error).toMatchObject({error_type: 'login_required', exit_code: 8})
  })
})

describe('auth login against the solo local daemon', () => {
  it('says no login is needed', async () => {
    const home = await createTempHome()
    const solo = await startDaemonProcess(join(home.home, 'daemon'), ['--simulate'])
    try {
      const result = await runCli(['auth', 'login', '--server', solo.url], {env: {...home.env, DBUS_SESSION_BUS_ADDRESS: undefined, XDG_RUNTIME_DIR: undefined}})
      expect(result.exitCode).toBe(2)
      expect(result.stderr).toContain(`${solo.url} is a solo gpu-shopper daemon: it needs no login`)
    } finally {
      await solo.stop()
      await home.cleanup()
    }
  })
})
