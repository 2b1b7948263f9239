import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import {type ApiClient} from '../../client/api-client.js'
import {clientForState, startDaemon, stopDaemon} from '../../client/daemon-process.js'
import type {DaemonState} from '../../client/daemon-state.js'
import {ENV} from '../../config/env.js'
import {appPaths} from '../../config/paths.js'
import type {OfferDto} from '../../core/api/inventory.js'
import type {SessionDto} from '../../core/api/sessions.js'
import type {CommandIo} from '../command-context.js'
import {OFFER_COLUMNS} from '../output/columns/offers.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'
import {followSession} from './follow-session.js'
import {formatClock, formatCost, formatHourly, formatHours} from '../output/format.js'
import {renderTable} from '../output/output.js'
import {provisionSession} from './provision.js'
import {sessionKeyPath} from '../ssh/session-keys.js'
import {eventLine, runningSummary} from '../output/session-summary.js'
import {outcomeError} from './wait-outcome.js'

export interface DemoSummary {
  simulated: boolean
  daemon_url: string
  deployment_id: string
  cheapest_offers: OfferDto[]
  offer: OfferDto
  session_id: string
  ssh: {host: string; port: number; user: string; host_key_fingerprint: string | null}
  nvidia_smi: {exit_code: number | null; stdout: string}
  new_expires_at: string
  final_status: string
  total_cost: number
  total_cost_micro_usd: number
  hours_used: number
  duration_ms: number
}

export interface DemoOptions {
  signal: AbortSignal
  /** Per step that waits on the market (inventory, running, stopped). */
  stepTimeoutSeconds?: number
  /** The GPU the demo rents; falls back to the cheapest offer when none is listed. */
  gpuType?: string
}

// Real credentials never reach the demo's daemon: it must not be able to rent real GPUs.
const PROVIDER_ENV = [ENV.vastaiApiKey, ENV.vastaiApiUrl, ENV.tensordockApiToken, ENV.tensordockAuthId, ENV.tensordockApiUrl, ENV.server, ENV.token]

/**
 * The whole journey against the simulated market, in a throwaway home: start a daemon, browse,
 * rent the cheapest RTX 4090 and wait for it, run nvidia-smi on it over SSH (pinned host key),
 * extend, release, wait until stopped, read the cost, and tear everything down, also on failure
 * or Ctrl-C.
 */
export async function runDemo(io: CommandIo, options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now()
  const stepTimeoutMs = (options.stepTimeoutSeconds ?? 120) * 1000
  const gpuType = options.gpuType ?? 'RTX 4090'
  const home = await mkdtemp(join(tmpdir(), 'gpu-shopper-demo-'))
  const env: NodeJS.ProcessEnv = {...process.env, [ENV.home]: home}
  for (const name of PROVIDER_ENV) delete env[name]
  const paths = appPaths(env)
  const step = (n: number, text: string) => io.narrate(`[${n}/8] ${text}`)

  let state: DaemonState | null = null
  let client: ApiClient | null = null
  let live: SessionDto | null = null
  try {
    step(1, `Starting a daemon on the simulated market (home ${home})…`)
    state = await startDaemon({env, port: 0, simulate: true})
    client = clientForState(state)
    io.markSimulated(state.simulated)
    io.narrate(`Daemon ready at ${state.url}.`)

    step(2, 'The ten cheapest offers:')
    const cheapest = await waitForOffers(client, {sort: 'price', order: 'asc', limit: 10}, stepTimeoutMs, options.signal)
    io.markSimulated(cheapest.simulated)
    io.out(await renderTable(OFFER_COLUMNS, cheapest.offers))

    const matching = await client.inventory.list({gpu_type: gpuType, sort: 'price', order: 'asc', limit: 1}, {signal: options.signal})
    let offer = matching.offers[0]
    if (!offer) {
      io.warn(`no ${gpuType} is on offer; renting the cheapest GPU instead`)
      offer = cheapest.offers[0]!
    }

    step(3, `Renting the cheapest ${offer.gpu_type}: ${offer.id} at ${formatHourly(offer.price_per_hour_micro_usd)}…`)
    const created = await provisionSession(
      client,
      {
        idempotencyKey: `demo-${Date.now()}`,
        consumer_id: 'demo',
        offer_id: offer.id,
        workload_type: 'ssh',
        reservation_hours: 1,
      },
      {paths, narrate: io.narrate},
    )
    live = created.session
    const running = await followSession(client, live.id, {
      until: ['running'],
      timeoutMs: stepTimeoutMs,
      signal: options.signal,
      history: true,
      onEvent: (event) => io.narrate(`  ${eventLine(event)}`),
    })
    if (running.kind !== 'reached') throw outcomeError(running, 'running', stepTimeoutMs / 1000)
    live = running.session
    const ran = running.session
    io.out(`${live.id} ${runningSummary(live, Date.now())}`)

    step(4, `Running nvidia-smi on ${live.ssh_user}@${live.ssh_host}:${live.ssh_port} with the session's key…`)
    if (!live.ssh_host || !live.ssh_port) throw new UserError(`session ${live.id} is running but has no SSH address`, {errorType: 'internal_error', exitCode: EXIT.INTERNAL})
    if (!live.ssh_host_key_fingerprint) io.warn('the daemon did not report the host key fingerprint; accepting the key on first use')
    const {runRemoteCommand} = await import('../../ssh/run-command.js')
    const remote = await runRemoteCommand(
      {
        host: live.ssh_host,
        port: live.ssh_port,
        user: live.ssh_user ?? 'root',
        // A fresh idempotency key: the key was just made here, never a repeat's deleted one.
        privateKey: await readFile(created.sshKeyPath ?? sessionKeyPath(live.id, paths), 'utf8'),
        hostKeyFingerprint: live.ssh_host_key_fingerprint,
      },
      'nvidia-smi',
    )
    io.out(remote.stdout.trimEnd())
    if (remote.exitCode !== 0) io.warn(`nvidia-smi exited with ${remote.exitCode}: ${remote.stderr.trim()}`)

    step(5, 'Extending the reservation by 1 hour…')
    const extended = await client.sessions.extend(live.id, 1, {signal: options.signal})
    io.out(`${live.id} now expires at ${formatClock(extended.new_expires_at)}`)

    step(6, 'Releasing it (done) and waiting until the instance is verified gone…')
    await client.sessions.done(live.id, {signal: options.signal})
    const stopped = await followSession(client, live.id, {
      until: ['stopped'],
      timeoutMs: stepTimeoutMs,
      signal: options.signal,
      onEvent: (event) => io.narrate(`  ${eventLine(event)}`),
    })
    if (stopped.kind !== 'reached') throw outcomeError(stopped, 'stopped', stepTimeoutMs / 1000)
    const finalSession = stopped.session
    live = null

    step(7, 'What it cost:')
    const cost = await client.costs.get({session_id: finalSession.id}, {signal: options.signal})
    io.out(`${cost.session_id} ${formatCost(cost.total_cost_micro_usd)} for ${formatHours(cost.hours_used)} (${cost.status})`)

    return {
      simulated: state.simulated,
      daemon_url: state.url,
      deployment_id: state.deployment_id,
      cheapest_offers: cheapest.offers,
      offer,
      session_id: finalSession.id,
      ssh: {host: ran.ssh_host ?? '', port: ran.ssh_port ?? 22, user: ran.ssh_user ?? 'root', host_key_fingerprint: ran.ssh_host_key_fingerprint},
      nvidia_smi: {exit_code: remote.exitCode, stdout: remote.stdout},
      new_expires_at: extended.new_expires_at,
      final_status: finalSession.status,
      total_cost: cost.total_cost,
      total_cost_micro_usd: cost.total_cost_micro_usd,
      hours_used: cost.hours_used,
      duration_ms: Date.now() - started,
    }
  } catch (err) {
    if (options.signal.aborted) {
      throw new UserError('demo interrupted; everything it started is released, stopped and removed', {errorType: 'interrupted', exitCode: EXIT.INTERRUPTED})
    }
    throw err
  } finally {
    step(8, 'Cleaning up: releasing what is left, stopping the daemon, removing the temporary home…')
    if (client && live) await client.sessions.done(live.id, {timeoutMs: 5_000}).catch(() => {})
    if (state) await stopDaemon({env, force: true}).catch((err: Error) => io.warn(`could not stop the demo daemon: ${err.message}`))
    await rm(home, {recursive: true, force: true})
  }
}

/** Right after start-up the daemon may still be fetching the first offers. */
async function waitForOffers(client: ApiClient, params: Parameters<ApiClient['inventory']['list']>[0], timeoutMs: number, signal: AbortSignal) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const reply = await client.inventory.list(params, {signal})
    if (reply.offers.length > 0) return reply
    if (Date.now() > deadline) {
      throw new UserError(`the simulated market listed no offers within ${timeoutMs / 1000} s`, {
        errorType: 'provider_error',
        exitCode: EXIT.PROVIDER,
        fix: 'Run `gpu-shopper daemon start --simulate --foreground` to see why.',
      })
    }
    await delay(250, undefined, {signal})
  }
}
