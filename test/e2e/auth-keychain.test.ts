import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {credentialsFromTokens} from '../../src/client/auth/credentials.js'
import {REPO_ROOT} from '../support/cli.js'
import {startTeamServer, type TeamServer} from '../support/team-server.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'
import {deviceFlowTokens, startTestIdp, TEST_CLI_CLIENT_ID, type TestIdp} from '../support/test-idp.js'

const run = promisify(execFile)

/** On PATH, as `command -v` finds it. */
function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, name)))
}

// Debian/Ubuntu: apt-get install dbus gnome-keyring libsecret-tools (dbus-run-session comes with
// dbus, secret-tool with libsecret-tools).
const hasSecretService = onPath('dbus-run-session') && onPath('gnome-keyring-daemon') && onPath('secret-tool')

/**
 * The OS keychain for real: a private D-Bus session with gnome-keyring's Secret Service,
 * unlocked with a throwaway password in a throwaway HOME, started by the test itself around the
 * CLI runs (`dbus-run-session -- sh -c '…'`), so nothing of the machine's own keyring is touched.
 */
describe.skipIf(!hasSecretService)(`the login in the OS keychain (Secret Service)${hasSecretService ? '' : ' (SKIPPED: apt-get install dbus gnome-keyring libsecret-tools)'}`, () => {
  let idp: TestIdp
  let server: TeamServer
  let home: TempHome
  let out: string

  beforeEach(async () => {
    home = await createTempHome()
    out = join(home.home, 'out')
    await mkdir(join(home.home, 'user-home'), {recursive: true})
    await mkdir(out, {recursive: true})
    // Access tokens inside the minute's margin: the first command renews, and saves back to the keychain.
    idp = await startTestIdp({accessTokenTtl: 30})
    server = await startTeamServer(idp, join(home.home, 'server'))
  })
  afterEach(async () => {
    await server?.stop()
    await idp?.stop()
    await home.cleanup()
  })

  /**
   * Runs `steps` (shell lines; $CLI is the built binary) inside a fresh D-Bus session with an
   * unlocked keyring. Each step writes its output under $OUT for the test to read.
   */
  const inKeyringSession = async (steps: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = {...home.env, HOME: join(home.home, 'user-home'), OUT: out, CLI: `${process.execPath} ${join(REPO_ROOT, 'bin', 'run.js')}`, ...extraEnv}
    for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR', 'GNOME_KEYRING_CONTROL']) delete env[name]
    const script = ['echo -n throwaway | gnome-keyring-daemon --unlock --components=secrets >/dev/null', ...steps].join('\n')
    await run('dbus-run-session', ['--', 'sh', '-c', script], {env, timeout: 45_000})
  }
  /** The access token of the login the keychain holds, as `secret-tool search` printed it. */
  const keptAccessToken = async (name: string) => {
    const secret = /^secret = (.*)$/m.exec(await readFile(join(out, name), 'utf8'))?.[1]
    if (!secret) throw new Error(`no secret in ${name}: ${await readFile(join(out, name), 'utf8')}`)
    return (JSON.parse(secret) as {accessToken: string}).accessToken
  }
  const outJson = async (name: string) => JSON.parse(await readFile(join(out, name), 'utf8')) as {ok: boolean; data: Record<string, unknown>; error?: Record<string, unknown>}

  it('keeps the login in the keychain, renews it there, names it in status, and logout removes it', async () => {
    // Given a login put in the keychain by the CLI's own store module
    const tokens = await deviceFlowTokens(idp, 'carol')
    const seeded = credentialsFromTokens(server.url, {issuer: idp.issuer, clientId: TEST_CLI_CLIENT_ID, audience: idp.audience}, tokens, Date.now())
    const seed = `import(${JSON.stringify(join(REPO_ROOT, 'dist', 'src', 'client', 'auth', 'keychain-store.js'))}).then((m) => m.keychainStore().set(JSON.parse(process.env.SEED)))`

    // When a command connects (renewing the token), then status, then logout, then status again
    await inKeyringSession(
      [
        `${process.execPath} -e "$SEED_SCRIPT"`,
        '$CLI sessions --server "$SERVER" --json > "$OUT/sessions.json" 2> "$OUT/sessions.err"',
        'secret-tool search --all service gpu-shopper > "$OUT/after-sessions.txt" 2>&1 || true',
        '$CLI auth status --server "$SERVER" --json > "$OUT/status.json" 2> "$OUT/status.err"',
        'secret-tool search --all service gpu-shopper > "$OUT/after-status.txt" 2>&1 || true',
        '$CLI auth logout --server "$SERVER" --json > "$OUT/logout.json" 2> "$OUT/logout.err"',
        '$CLI auth status --server "$SERVER" --json > "$OUT/after.json" 2> "$OUT/after.err" || true',
      ],
      {SERVER: server.url, SEED: JSON.stringify(seeded), SEED_SCRIPT: seed},
    )

    // Then the command got through with a renewed token, without a word on stderr
    expect((await outJson('sessions.json')).ok, await readFile(join(out, 'sessions.err'), 'utf8')).toBe(true)
    expect(await readFile(join(out, 'sessions.err'), 'utf8')).toBe('')
    const keptAfterSessions = await keptAccessToken('after-sessions.txt')
    expect(keptAfterSessions).not.toBe(tokens.access_token)
    // And status saw carol through the keychain, naming it
    expect((await outJson('status.json')).data).toMatchObject({user: 'carol', tenant: 'globex', source: 'keychain', store_location: 'the OS keychain (Secret Service)', refreshable: true})
    // And status renewed again (30 s tokens are always inside the margin) with the rotated refresh
    // token the first command saved back to the keychain: the spent one would have been refused
    expect(new Set([tokens.access_token, keptAfterSessions, await keptAccessToken('after-status.txt')]).size).toBe(3)
    // And logout revoked and deleted it from the keychain; afterwards nothing is found
    expect((await outJson('logout.json')).data).toEqual({server: server.url, was_logged_in: true, revocation: 'revoked', deleted_from: ['keychain']})
    expect((await outJson('after.json')).error).toMatchObject({error_type: 'not_logged_in', exit_code: 8})
    // And no file was ever written, nor a warning about one given
    expect(existsSync(join(home.home, 'config', 'credentials.json'))).toBe(false)
    expect(await readFile(join(out, 'status.err'), 'utf8')).not.toContain('stored in the file')
  })

  it('stores a login made by `auth login` in the keychain, without the file warning', async () => {
    const bob = await deviceFlowTokens(idp, 'bob')
    await writeFile(join(out, 'token'), bob.access_token)
    await inKeyringSession(
      [
        '$CLI auth login --server "$SERVER" --with-token --json < "$OUT/token" > "$OUT/login.json" 2> "$OUT/login.err"',
        'secret-tool search --all service gpu-shopper > "$OUT/secrets.txt" 2>&1 || true',
      ],
      {SERVER: server.url},
    )
    const login = await outJson('login.json')
    expect(login.data, await readFile(join(out, 'login.err'), 'utf8')).toMatchObject({user: 'bob', store: 'keychain', store_location: 'the OS keychain (Secret Service)'})
    expect(await readFile(join(out, 'login.err'), 'utf8')).toBe('')
    expect(existsSync(join(home.home, 'config', 'credentials.json'))).toBe(false)
    // And the Secret Service itself holds it, filed under the service and the server's URL
    const secrets = await readFile(join(out, 'secrets.txt'), 'utf8')
    expect(secrets).toContain('attribute.service = gpu-shopper')
    expect(secrets).toContain(`= ${server.url}`)
  })
})
