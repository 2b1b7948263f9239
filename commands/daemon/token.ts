import {BaseCommand} from '../../src/cli/base-command.js'
import {EXIT} from '../../src/cli/exit-codes.js'
import {UserError} from '../../src/cli/errors.js'
import {isDaemonProcess, readDaemonState} from '../../src/client/daemon-state.js'
import {appPaths} from '../../src/config/paths.js'

export default class DaemonToken extends BaseCommand {
  static override summary = 'Print the local daemon\'s bearer token (for curl and scripts)'
  static override description = 'The only command that shows the token. It changes every time the daemon starts.'
  static override examples = ['curl -H "Authorization: Bearer $(<%= config.bin %> daemon token)" http://127.0.0.1:8080/api/v1/sessions']

  static override readonly dataSchema = 'DaemonToken'

  async run(): Promise<{token: string | null; url: string}> {
    await this.parse(DaemonToken)
    const state = await readDaemonState(appPaths())
    if (!state || !isDaemonProcess(state.pid)) {
      throw new UserError('the daemon is not running, so there is no token', {
        errorType: 'daemon_unreachable',
        exitCode: EXIT.UNREACHABLE,
        fix: 'Start it with `gpu-shopper daemon start`.',
      })
    }
    if (!state.token) this.warnUser('the daemon runs with --no-auth: it needs no token')
    this.out(state.token ?? '')
    return {token: state.token, url: state.url}
  }
}
