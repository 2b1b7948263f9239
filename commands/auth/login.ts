import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {authServer} from '../../src/cli/flags/auth-server.js'
import {describeLogin} from '../../src/cli/output/auth.js'
import {writeErr} from '../../src/cli/output/output.js'
import {readTokenFromStdin} from '../../src/cli/stdin-token.js'
import {type LoginResult, login} from '../../src/client/auth/login.js'

export default class AuthLogin extends BaseCommand {
  static override summary = 'Log in to a team server through its identity provider'
  static override description =
    'Opens the browser at the IdP (authorization code + PKCE, back to a listener on 127.0.0.1); the URL is always printed too. ' +
    'Without a browser it uses the device flow: open the printed URL on any device and enter the code. ' +
    'The tokens go to the OS keychain, or to a 0600 file when no keychain answers, and renew themselves before they expire.'
  static override examples = [
    '<%= config.bin %> auth login --server https://gpus.example.com',
    '<%= config.bin %> auth login --server https://gpus.example.com --device',
    'printenv CI_TOKEN | <%= config.bin %> auth login --server https://gpus.example.com --with-token',
  ]

  static override flags = {
    ...apiFlags,
    'tenant-hint': Flags.string({description: 'Tenant to preselect at the IdP (sent as its tenant_hint parameter)'}),
    device: Flags.boolean({description: 'Log in by the device flow: a URL and a code to enter on any device', exclusive: ['with-token']}),
    'no-browser': Flags.boolean({description: 'Print the login URL instead of opening a browser', exclusive: ['device', 'with-token']}),
    'with-token': Flags.boolean({description: 'Read an access token from stdin and store it (CI); it is not renewed'}),
  }

  static override readonly dataSchema = 'AuthLogin'

  async run(): Promise<LoginResult> {
    const {flags} = await this.parse(AuthLogin)
    const server = this.checkFlags('You were not logged in.', () => authServer(flags.server))
    const accessToken = flags['with-token'] ? await this.checkFlags('You were not logged in.', () => readTokenFromStdin()) : undefined
    const result = await login(
      {server, tenantHint: flags['tenant-hint'], device: flags.device, noBrowser: flags['no-browser'], accessToken},
      // The URL and the code are for the person even under --json: stdout keeps the result alone.
      {say: (message) => writeErr(message), warn: (message) => this.warnLoudly(message), signal: this.interruptSignal()},
    )
    this.out(describeLogin(result, this.now))
    return result
  }
}
