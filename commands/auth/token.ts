import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {authServer} from '../../src/cli/flags/auth-server.js'
import {bearerForServer} from '../../src/client/auth/access-token.js'
import {notLoggedIn} from '../../src/client/auth/errors.js'

export default class AuthToken extends BaseCommand {
  static override summary = 'Print a fresh access token for a team server (for curl and scripts)'
  static override description = 'Renews it first when it has less than a minute left. The only command that shows the token.'
  static override examples = ['curl -H "Authorization: Bearer $(<%= config.bin %> auth token --server https://gpus.example.com)" https://gpus.example.com/api/v1/sessions']

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'AuthToken'

  async run(): Promise<{token: string; server: string; expires_at: number | null}> {
    const {flags} = await this.parse(AuthToken)
    const server = authServer(flags.server)
    const bearer = await bearerForServer(server, {warn: (message) => this.warnLoudly(message)})
    if (!bearer) throw notLoggedIn(server)
    this.out(bearer.accessToken)
    return {token: bearer.accessToken, server, expires_at: bearer.credentials?.expiresAt ?? null}
  }
}
