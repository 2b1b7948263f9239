import {existsSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {json, startTestServer} from '../../../test/support/http-server.js'
import {type TempHome, createTempHome} from '../../../test/support/temp-home.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'
import {offlineFailure, parseReconcileLine, runOfflineReconcile, runReconcile} from './reconcile.js'

const report = (dryRun: boolean) => ({
  dry_run: dryRun,
  at: '2026-01-15T12:00:00.000Z',
  deployment_id: 'dep-x',
  orphans: [],
  ghosts: [],
  adopted: [],
  errors: [],
  foreign_instances: 0,
  simulated: false,
})

/**
 * A stand-in for dist/daemon/reconcile-main.js with its contract: `--dry-run` in argv, one JSON
 * line on stdout and exit 0; or a message on stderr and exit 1 when FAKE_RECONCILE_FAIL is set.
 */
const STAND_IN = [
  process.execPath,
  '-e',
  `if (process.env.FAKE_RECONCILE_FAIL) { process.stderr.write('{"level":40,"msg":"log line"}\\n' + process.env.FAKE_RECONCILE_FAIL + '\\n'); process.exit(1) }
   process.stdout.write('not json\\n' + JSON.stringify({dry_run: process.argv.includes('--dry-run'), at: 'now', deployment_id: process.env.GPU_SHOPPER_HOME, orphans: [], ghosts: [], adopted: [], errors: [], foreign_instances: 3, simulated: false}) + '\\n')`,
  // Without it node would read the --dry-run that follows as one of its own options.
  '--',
]

let home: TempHome | undefined
let server: Awaited<ReturnType<typeof startTestServer>> | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
  await home?.cleanup()
  home = undefined
})

describe('runReconcile', () => {
  it('asks the server when one is given, passing the dry run', async () => {
    // Given a server that answers the reconcile route
    server = await startTestServer((_req, res) => json(res, 200, report(true)))
    home = await createTempHome()

    // When reconcile runs with --server
    const result = await runReconcile({dryRun: true, server: server.url, env: home.env, runnerCommand: STAND_IN})

    // Then it ran via the API, with dry_run in the body
    expect(result).toMatchObject({mode: 'daemon', dry_run: true, deployment_id: 'dep-x'})
    expect(server.requests).toHaveLength(1)
    expect(server.requests[0]).toMatchObject({method: 'POST', url: '/api/v1/reconcile'})
    expect(JSON.parse(server.requests[0]!.body)).toEqual({dry_run: true})
  })

  it('runs offline when no daemon is running, and does not start one', async () => {
    // Given a home with no daemon
    home = await createTempHome()
    const said: string[] = []

    // When reconcile runs
    const result = await runReconcile({dryRun: true, env: home.env, runnerCommand: STAND_IN, narrate: (m) => said.push(m)})

    // Then the runner answered, with our environment and --dry-run, and no daemon was started
    expect(result).toMatchObject({mode: 'offline', dry_run: true, deployment_id: home.home, foreign_instances: 3})
    expect(said.join('\n')).toContain('daemon is not running')
    expect(existsSync(home.stateFile)).toBe(false)
  })
})

describe('runOfflineReconcile', () => {
  it('leaves out --dry-run for a real run', async () => {
    home = await createTempHome()
    const result = await runOfflineReconcile({dryRun: false, env: home.env, command: STAND_IN})
    expect(result.dry_run).toBe(false)
  })

  it('turns the runner\'s stderr message into a user error', async () => {
    home = await createTempHome()
    const env = {...home.env, FAKE_RECONCILE_FAIL: 'no provider is configured (set VASTAI_API_KEY / TENSORDOCK_API_TOKEN)'}
    const err = await runOfflineReconcile({dryRun: true, env, command: STAND_IN}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as UserError).message).toBe('no provider is configured (set VASTAI_API_KEY / TENSORDOCK_API_TOKEN); nothing was reconciled')
    expect((err as UserError).exitCode).toBe(EXIT.USAGE)
  })
})

describe('offlineFailure', () => {
  it('maps the daemon lock to a conflict that says to retry through the daemon', () => {
    const err = offlineFailure('another gpu-shopper daemon (pid 42) already owns /x/data; stop it with `gpu-shopper daemon stop`\n', 1)
    expect(err.exitCode).toBe(EXIT.CONFLICT)
    expect(err.fix).toContain('gpu-shopper reconcile')
  })

  it('maps an unused data dir to not found and anything else to an internal error', () => {
    expect(offlineFailure('this data dir has never run a daemon: there is nothing of ours to reconcile', 1).exitCode).toBe(EXIT.NOT_FOUND)
    const other = offlineFailure('boom', 1)
    expect(other.exitCode).toBe(EXIT.INTERNAL)
    expect(other.message).toBe('the offline reconcile failed: boom')
    expect(offlineFailure('', 137).message).toContain('exited with code 137')
  })
})

describe('parseReconcileLine', () => {
  it('finds the report among other lines and refuses output without one', () => {
    expect(parseReconcileLine(`warning\n${JSON.stringify(report(false))}\n`)?.deployment_id).toBe('dep-x')
    expect(parseReconcileLine('{"level":30}\nnothing\n')).toBeNull()
  })
})
