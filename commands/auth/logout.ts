import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {authServer} from '../../src/cli/flags/auth-server.js'
import {describeLogout} from '../../src/cli/output/auth.js'
import {type LogoutResult, logout} from '../../src/client/auth/logout.js'

export default class AuthLogout extends BaseCommand {
  static override summary = 'Log out of a team server: revoke the tokens at the IdP and delete them here'
  static override examples = ['<%= config.bin %> auth logout --server https://gpus.example.com']

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'AuthLogout'

  async run(): Promise<LogoutResult> {
    const {flags} = await this.parse(AuthLogout)
    const server = authServer(flags.server)
    const result = await logout(server, {warn: (message) => this.warnLoudly(message)})
    this.out(describeLogout(result))
    return result
  }
}
