import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {authServer} from '../../src/cli/flags/auth-server.js'
import {statusDetails} from '../../src/cli/output/auth.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {type AuthStatus, authStatus} from '../../src/client/auth/auth-status.js'

export default class AuthStatusCommand extends BaseCommand {
  static override summary = 'Who you are logged in as on a team server, until when, and where the token is kept'
  static override description = 'Asks the server (GET /api/v1/auth/whoami) with the stored token, renewing it first when it is about to expire. Exits 8 when not logged in.'
  static override examples = ['<%= config.bin %> auth status --server https://gpus.example.com', '<%= config.bin %> auth status --server https://gpus.example.com --json']

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'AuthStatus'

  async run(): Promise<AuthStatus> {
    const {flags} = await this.parse(AuthStatusCommand)
    const server = authServer(flags.server)
    const status = await authStatus(server, {warn: (message) => this.warnLoudly(message)})
    this.out(renderDetails(statusDetails(status, this.now)))
    return status
  }
}
