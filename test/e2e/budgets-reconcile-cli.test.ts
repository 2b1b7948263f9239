import {existsSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startSimulators} from '../../src/sim/index.js'
import {type CliResult, runCli} from '../support/cli.js'
import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'
import {createTempHome, type TempHome} from '../support/temp-home.js'

const EXIT_BUDGET = 7

function dataOf<T = any>(result: CliResult, what: string): T {
  const envelope = result.json<T>()
  if (!envelope.ok || result.exitCode !== 0) throw new Error(`gpu-shopper ${what} failed (${result.exitCode}): ${result.stdout}${result.stderr}`)
  return envelope.data
}

/**
 * Budgets, the ledger export and reconcile through the real binary, against
 * `daemon start --simulate --port 0` in a temp GPU_SHOPPER_HOME.
 */
describe('budgets, cost export and reconcile through the daemon', () => {
  const {home, cli, data} = simulatedDaemonCli()

  it('refuses a provision past the budget with the budget exit code and creates nothing', async () => {
    // Given a one-cent monthly budget for "tiny"
    const budget = await data('budgets', 'set', '--consumer-id', 'tiny', '--monthly-limit', '0.01')
    expect(budget).toMatchObject({consumer_id: 'tiny', monthly_limit_micro_usd: 10_000, alert_threshold: 0.8, on_limit: 'release', spent_micro_usd: 0})

    // When tiny provisions the cheapest offer for 12 hours
    const [offer] = (await data('inventory', '--sort', 'price', '--limit', '1')).offers
    const refused = await cli(['provision', '--offer-id', offer.id, '--consumer-id', 'tiny', '--hours', '12', '--json'])

    // Then it fails with exit 7, a fix naming `budgets set`, and no session exists
    expect(refused.exitCode, refused.stdout + refused.stderr).toBe(EXIT_BUDGET)
    const envelope = refused.json()
    expect(envelope.ok).toBe(false)
    expect(envelope.error).toMatchObject({error_type: 'insufficient_balance', exit_code: EXIT_BUDGET, consumer_id: 'tiny', remaining_micro_usd: 10_000})
    expect(envelope.error?.fix).toContain('gpu-shopper budgets set --consumer-id tiny')
    expect((envelope.error as any).requested_micro_usd).toBeGreaterThan(10_000)
    expect((await data('sessions', '--consumer-id', 'tiny')).sessions).toEqual([])

    // And the human error says so on stderr with the same exit code
    const human = await cli(['provision', '--offer-id', offer.id, '--consumer-id', 'tiny', '--hours', '12'])
    expect(human.exitCode).toBe(EXIT_BUDGET)
    expect(human.stderr).toMatch(/Fix: .*gpu-shopper budgets set/)
    expect(human.stdout).toBe('')
  })

  it('shows, lists and removes a budget with its numbers', async () => {
    // Given a one-cent budget with nothing spent
    await data('budgets', 'set', '--consumer-id', 'shown', '--monthly-limit', '0.01')
    const shown = await data('budgets', 'show', '--consumer-id', 'shown')
    expect(shown).toMatchObject({consumer_id: 'shown', monthly_limit: 0.01, spent_micro_usd: 0, committed_micro_usd: 0, remaining_micro_usd: 10_000, alerted: false, limit_reached: false})
    expect(shown.month).toMatch(/^\d{4}-\d{2}$/)

    // When it is shown to a person and listed through a pipe
    const human = await cli(['budgets', 'show', '--consumer-id', 'shown'])
    const listed = await cli(['budgets', 'list'])

    // Then the numbers read as money and the list has its row in column order
    expect(human.stdout).toMatch(/Limit\s+\$0\.01 per month/)
    expect(human.stdout).toMatch(/Remaining\s+\$0\.01/)
    expect(human.stdout).toMatch(/Alert at\s+80% of the limit/)
    expect(listed.stdout.trim().split('\n').map((l) => l.split('\t'))).toContainEqual(['shown', shown.month, '$0.01', '$0.00', '$0.00', '$0.01', '80%', 'release', 'ok'])
    expect((await data('budgets', 'list')).budgets.map((b: any) => b.consumer_id)).toContain('shown')

    // And an alert threshold given as a percentage is stored as a fraction
    expect(await data('budgets', 'set', '--consumer-id', 'other', '--monthly-limit', '50', '--alert-at', '90%', '--on-limit', 'alert')).toMatchObject({alert_threshold: 0.9, on_limit: 'alert'})

    // When the budget is removed, showing it is not found with a fix
    expect((await data('budgets', 'remove', '--consumer-id', 'other')).consumer_id).toBe('other')
    const gone = await cli(['budgets', 'show', '--consumer-id', 'other'])
    expect(gone.exitCode).toBe(3)
    expect(gone.stderr).toContain('gpu-shopper budgets set --consumer-id other')
  })

  it('exports a short session\'s ledger as CSV whose amounts sum to the costs total', async () => {
    // Given a session that ran for a moment and was released
    const [offer] = (await data('inventory', '--sort', 'price', '--limit', '1')).offers
    const created = await data('provision', '--offer-id', offer.id, '--consumer-id', 'csv-app', '--hours', '1', '--wait', '--timeout', '60')
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    await data('done', created.session.id, '--wait', '--timeout', '60')

    // When its consumer's ledger is exported
    const exported = await cli(['costs', 'export', '--format', 'csv', '--consumer-id', 'csv-app'])
    expect(exported.exitCode, exported.stderr).toBe(0)

    // Then it is CRLF CSV with the header and rows, summing to the `costs` total
    const lines = exported.stdout.split('\r\n')
    expect(lines[0]).toBe('session_id,consumer_id,provider,gpu_type,period_start,period_end,seconds,price_per_hour_usd,amount_usd,amount_micro_usd,component')
    expect(lines.at(-1)).toBe('')
    const rows = lines.slice(1, -1).map((l) => l.split(','))
    expect(rows.length).toBeGreaterThan(0)
    for (const row of rows) expect(row.slice(0, 2)).toEqual([created.session.id, 'csv-app'])
    const sum = rows.reduce((total, row) => total + Number(row.at(-2)), 0)
    const costs = await data('costs', '--consumer-id', 'csv-app')
    expect(costs.total_cost_micro_usd).toBeGreaterThan(0)
    expect(sum).toBe(costs.total_cost_micro_usd)

    // And --output-file writes the same bytes, 0644, saying where on stderr; --json gives {path, rows}
    const file = join(home().home, 'costs.csv')
    const toFile = await cli(['costs', 'export', '--format', 'csv', '--consumer-id', 'csv-app', '--output-file', file])
    expect(toFile.exitCode, toFile.stderr).toBe(0)
    expect(toFile.stdout).toBe('')
    expect(toFile.stderr).toContain(file)
    expect(readFileSync(file, 'utf8')).toBe(exported.stdout)
    expect(statSync(file).mode & 0o777).toBe(0o644)
    const asJson = await data('costs', 'export', '--format', 'csv', '--consumer-id', 'csv-app', '--output-file', file)
    expect(asJson.path).toBe(file)
    expect(asJson.rows.reduce((total: number, r: any) => total + r.amount_micro_usd, 0)).toBe(costs.total_cost_micro_usd)
  })

  it('reconciles via the daemon as a dry run', async () => {
    const report = await data('reconcile', '--dry-run')
    expect(report).toMatchObject({mode: 'daemon', dry_run: true, errors: [], simulated: true})
    expect(report.deployment_id).toMatch(/^dep-/)
    expect(Array.isArray(report.orphans)).toBe(true)

    const human = await cli(['reconcile', '--dry-run'])
    expect(human.exitCode, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^Reconciled via the daemon\. Dry run/)
  })
})

interface SimInstance {
  id: number
  label: string | null
  sim: {destroyed_at: number | null}
}

/**
 * Reconcile with the daemon stopped: the simulators run in this process, the daemon is started
 * on them and stopped, and `reconcile` must then talk to the providers itself.
 */
describe('reconcile without a daemon', () => {
  let home: TempHome
  let sims: Awaited<ReturnType<typeof startSimulators>>
  let env: NodeJS.ProcessEnv
  const cli = (...args: string[]) => runCli(args, {env, timeoutMs: 90_000})
  const data = async <T = any>(...args: string[]) => dataOf<T>(await cli(...args, '--json'), args.join(' '))
  const simInstances = async (): Promise<SimInstance[]> => ((await (await fetch(`${sims.vastai.url}/_sim/instances`)).json()) as {instances: SimInstance[]}).instances
  const simInstance = async (id: number) => (await simInstances()).find((i) => i.id === id)
  const makeInstance = async (label: string): Promise<number> => {
    const response = await fetch(`${sims.vastai.url}/_sim/instances`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({label})})
    expect(response.status).toBe(200)
    return ((await response.json()) as {new_contract: number}).new_contract
  }

  beforeAll(async () => {
    sims = await startSimulators()
    home = await createTempHome()
    env = {
      ...home.env,
      VASTAI_API_URL: sims.vastai.url,
      VASTAI_API_KEY: 'e2e-key',
      TENSORDOCK_API_URL: sims.tensordock.url,
      TENSORDOCK_API_TOKEN: 'e2e-token',
    }
  })

  afterAll(async () => {
    if (env) await cli('daemon', 'stop')
    await home?.cleanup()
    await sims?.close()
  })

  it('reports an orphan in a dry run, destroys it for real, and leaves someone else\'s instance alone', async () => {
    // Given a daemon on the simulators with a running session, then stopped
    const started = await cli('daemon', 'start', '--port', '0', '--json')
    expect(started.exitCode, started.stdout + started.stderr).toBe(0)
    const deploymentId = (await data('daemon', 'status')).deployment_id as string
    expect(deploymentId).toMatch(/^dep-/)
    const [offer] = (await data('inventory', '--provider', 'vastai', '--sort', 'price', '--limit', '1')).offers
    const created = await data('provision', '--offer-id', offer.id, '--consumer-id', 'offline-app', '--hours', '1', '--wait', '--timeout', '60')
    const sessionInstance = Number(created.session.provider_instance_id)
    expect((await data('daemon', 'stop')).stopped).toBe(true)
    expect(existsSync(home.stateFile)).toBe(false)

    // And, at the provider, an orphan of this deployment and an instance of someone else
    const orphan = await makeInstance(`gpu-shopper:${deploymentId}:sess-gone`)
    const foreign = await makeInstance('someone-else')

    // When reconcile runs as a dry run
    const dry = await data('reconcile', '--dry-run')

    // Then it ran without a daemon, reports the orphan as would-destroy, and destroyed nothing
    expect(dry).toMatchObject({mode: 'offline', dry_run: true, deployment_id: deploymentId, errors: []})
    expect(dry.orphans).toContainEqual(expect.objectContaining({provider: 'vastai', provider_instance_id: String(orphan), label: `gpu-shopper:${deploymentId}:sess-gone`, action: 'would-destroy'}))
    expect(dry.orphans.map((o: any) => o.provider_instance_id)).not.toContain(String(sessionInstance))
    expect(dry.foreign_instances).toBeGreaterThanOrEqual(1)
    expect((await simInstance(orphan))?.sim.destroyed_at).toBeNull()
    expect(existsSync(home.stateFile)).toBe(false)

    // When reconcile runs for real
    const real = await data('reconcile')

    // Then the orphan is destroyed at the provider, while the foreign instance and our session's are untouched
    expect(real).toMatchObject({mode: 'offline', dry_run: false, errors: []})
    expect(real.orphans).toContainEqual(expect.objectContaining({provider_instance_id: String(orphan), action: 'destroyed'}))
    expect(real.orphans.map((o: any) => o.provider_instance_id)).not.toContain(String(foreign))
    await pollUntil(async () => ((await simInstance(orphan))?.sim.destroyed_at != null ? true : undefined), 'the orphan to be destroyed', 10_000)
    expect((await simInstance(foreign))?.sim.destroyed_at).toBeNull()
    expect((await simInstance(sessionInstance))?.sim.destroyed_at).toBeNull()
    expect(existsSync(home.stateFile)).toBe(false)

    // And a person's report of a second run says how it ran, finds nothing to destroy and counts what it left alone
    const human = await cli('reconcile', '--dry-run')
    expect(human.exitCode, human.stdout + human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^Daemon not running: talked to the providers directly\. Dry run/)
    expect(human.stdout).not.toContain(`gpu-shopper:${deploymentId}:sess-gone`)
    expect(human.stdout).toMatch(/Left alone: \d+ instances? not started by this deployment/)
    expect(human.stderr).toContain('daemon is not running')
  })

  it('exits 6 with the report when a provider cannot be reached', async () => {
    // Given a data dir whose daemon ran and was stopped, and a TensorDock URL that refuses connections
    expect((await cli('daemon', 'start', '--port', '0')).exitCode).toBe(0)
    expect((await cli('daemon', 'stop')).exitCode).toBe(0)
    const broken = {...env, TENSORDOCK_API_URL: 'http://127.0.0.1:1'}

    // When reconcile runs
    const result = await runCli(['reconcile', '--dry-run', '--json'], {env: broken, timeoutMs: 90_000})

    // Then it fails with the provider exit code, and the envelope still carries the whole report
    expect(result.exitCode, result.stdout + result.stderr).toBe(6)
    const envelope = result.json()
    expect(envelope.ok).toBe(false)
    expect(envelope.error).toMatchObject({error_type: 'provider_error', exit_code: 6})
    expect((envelope.error as any).report).toMatchObject({mode: 'offline', dry_run: true})
    expect((envelope.error as any).report.errors).toContainEqual(expect.objectContaining({provider: 'tensordock'}))
  })
})
