import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {EXIT} from '../../src/cli/exit-codes.js'
import {UserError} from '../../src/cli/errors.js'
import {checkIntRange} from '../../src/cli/flags/validate.js'
import {runDaemonForeground, startDaemon} from '../../src/client/daemon-process.js'
import {type DaemonState, isDaemonProcess, readDaemonState} from '../../src/client/daemon-state.js'
import {DEFAULT_HOST, DEFAULT_PORT} from '../../src/client/ensure-daemon.js'
import {appPaths, daemonLogFile} from '../../src/config/paths.js'
import {isLoopbackHost} from '../../src/core/loopback.js'

type StartResult = Omit<DaemonState, 'token'> & {already_running: boolean; log_file: string}

export default class DaemonStart extends BaseCommand {
  static override summary = 'Start the local daemon (other commands start it on demand)'
  static override description =
    'The daemon owns the database and talks to the marketplaces; the CLI talks to it over HTTP with a bearer token from its state file. It runs in the background and logs to the state directory.'

  static override examples = [
    '<%= config.bin %> daemon start',
    '<%= config.bin %> daemon start --simulate --port 0',
    '<%= config.bin %> daemon start --foreground',
  ]

  static override flags = {
    port: Flags.integer({description: `Port to listen on (0 picks a free one)`, default: DEFAULT_PORT}),
    host: Flags.string({description: 'Address to bind; anything but loopback exposes it to the network', default: DEFAULT_HOST}),
    'no-auth': Flags.boolean({description: 'Accept requests without the bearer token (loopback only, for curl and tests)'}),
    simulate: Flags.boolean({description: 'Use the built-in simulated marketplaces instead of the real ones'}),
    foreground: Flags.boolean({description: 'Run attached to this terminal, logging to it, until Ctrl-C'}),
  }

  static override readonly dataSchema = 'DaemonStarted'

  async run(): Promise<StartResult | undefined> {
    const {flags} = await this.parse(DaemonStart)
    checkIntRange('port', flags.port, 0, 65_535)
    if (flags['no-auth'] && !isLoopbackHost(flags.host)) {
      throw new UserError(`--no-auth with --host ${flags.host} would let anyone on the network rent GPUs on your accounts`, {
        fix: 'Drop --no-auth, or bind to 127.0.0.1.',
      })
    }
    if (!isLoopbackHost(flags.host)) this.warnUser(`listening on ${flags.host}: the daemon is reachable from the network (token required)`)

    const paths = appPaths()
    const running = await readDaemonState(paths)
    if (running && isDaemonProcess(running.pid)) {
      const differs =
        running.simulated !== flags.simulate || running.auth === flags['no-auth'] || (flags.port !== 0 && running.port !== flags.port) || running.host !== flags.host
      if (differs) {
        throw new UserError(`a daemon is already running at ${running.url} (pid ${running.pid}) with other options`, {
          errorType: 'conflict',
          exitCode: EXIT.CONFLICT,
          fix: 'Stop it first with `gpu-shopper daemon stop`, then start it with the options you want.',
        })
      }
      this.narrate(`Already running at ${running.url} (pid ${running.pid}).`)
      this.markSimulated(running.simulated)
      return describe(running, true, daemonLogFile(paths))
    }

    const options = {port: flags.port, host: flags.host, noAuth: flags['no-auth'], simulate: flags.simulate}
    if (flags.foreground) {
      this.narrate('Running the daemon in the foreground; Ctrl-C stops it.')
      const code = await runDaemonForeground(options)
      if (code !== 0 && code !== 130 && code !== 143) {
        throw new UserError(`the daemon exited with code ${code}`, {errorType: 'daemon_start_failed', exitCode: EXIT.UNREACHABLE, fix: 'Read its output above.'})
      }
      return undefined
    }
    this.narrate('Starting the gpu-shopper daemon…')
    const state = await startDaemon(options)
    this.markSimulated(state.simulated)
    this.out(state.url)
    this.narrate(`Daemon ready at ${state.url} (pid ${state.pid}); logs: ${daemonLogFile(paths)}`)
    return describe(state, false, daemonLogFile(paths))
  }
}

/** Never the token: only `daemon token` prints it. */
function describe(state: DaemonState, alreadyRunning: boolean, logFile: string): StartResult {
  const {token: _token, ...rest} = state
  return {...rest, already_running: alreadyRunning, log_file: logFile}
}
