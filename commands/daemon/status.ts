import {BaseCommand} from '../../src/cli/base-command.js'
import {UserError} from '../../src/cli/errors.js'
import {EXIT} from '../../src/cli/exit-codes.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {clientForState} from '../../src/client/daemon-process.js'
import {isDaemonProcess, readDaemonState} from '../../src/client/daemon-state.js'
import {packageVersion} from '../../src/config/package-version.js'
import {appPaths, daemonLogFile, daemonStateFile} from '../../src/config/paths.js'
import type {HealthReply} from '../../src/core/api/health.js'

export interface DaemonStatus {
  running: boolean
  healthy: boolean
  pid: number | null
  url: string | null
  version: string | null
  cli_version: string
  deployment_id: string | null
  simulated: boolean | null
  auth: boolean | null
  started_at: string | null
  uptime_seconds: number | null
  providers: HealthReply['providers']
  state_file: string
  log_file: string
  problem?: string
}

export default class DaemonStatusCommand extends BaseCommand {
  static override summary = 'Is the local daemon running, where, and how are its providers'
  static override description = 'Exits 0 when it runs, 5 when it does not (like `systemctl status`).'
  static override examples = ['<%= config.bin %> daemon status', '<%= config.bin %> daemon status --json']

  static override readonly dataSchema = 'DaemonStatus'

  async run(): Promise<DaemonStatus> {
    await this.parse(DaemonStatusCommand)
    const paths = appPaths()
    const base: DaemonStatus = {
      running: false,
      healthy: false,
      pid: null,
      url: null,
      version: null,
      cli_version: packageVersion(),
      deployment_id: null,
      simulated: null,
      auth: null,
      started_at: null,
      uptime_seconds: null,
      providers: [],
      state_file: daemonStateFile(paths),
      log_file: daemonLogFile(paths),
    }
    const state = await readDaemonState(paths)
    // Like `systemctl status`, "not running" is a non-zero exit, so `daemon status && …` works.
    if (!state || !isDaemonProcess(state.pid)) {
      throw new UserError('the gpu-shopper daemon is not running', {
        errorType: 'daemon_not_running',
        exitCode: EXIT.UNREACHABLE,
        fix: 'Start it with `gpu-shopper daemon start` (any other command starts it too).',
        details: {running: false, cli_version: base.cli_version, state_file: base.state_file, log_file: base.log_file},
      })
    }
    const status: DaemonStatus = {
      ...base,
      running: true,
      pid: state.pid,
      url: state.url,
      version: state.version,
      deployment_id: state.deployment_id,
      simulated: state.simulated,
      auth: state.auth,
      started_at: state.started_at,
    }
    try {
      const health = await clientForState(state).health({timeoutMs: 3_000})
      Object.assign(status, {healthy: health.status === 'ok', uptime_seconds: health.uptime_seconds, providers: health.providers, deployment_id: health.deployment_id})
      if (health.status !== 'ok') status.problem = `health says ${health.status}`
    } catch (err) {
      status.problem = err instanceof Error ? err.message : String(err)
    }
    this.markSimulated(state.simulated)
    if (status.version !== status.cli_version) this.warnUser(`the daemon runs version ${status.version}, this CLI is ${status.cli_version}; the next command restarts it`)
    this.out(
      renderDetails([
        ['Status', status.healthy ? 'running' : `running, not healthy (${status.problem})`],
        ['URL', state.url],
        ['PID', String(state.pid)],
        ['Version', state.version],
        ['Deployment', status.deployment_id ?? '-'],
        ['Market', state.simulated ? 'SIMULATED' : 'real'],
        ['Auth', state.auth ? 'bearer token' : 'off (--no-auth)'],
        ['Started', state.started_at],
        ['Log', status.log_file],
        ...status.providers.map((p): [string, string] => [
          `Provider ${p.name}`,
          !p.configured ? 'not configured' : p.stale ? `stale${p.last_error ? `: ${p.last_error}` : ''}` : `ok${p.last_refresh_at ? `, refreshed ${p.last_refresh_at}` : ''}`,
        ]),
      ]),
    )
    return status
  }
}
