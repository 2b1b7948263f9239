import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {showSession} from '../../src/cli/session-view.js'
import {checkIntRange} from '../../src/cli/validate.js'
import type {SessionDto} from '../../src/core/api/sessions.js'

export default class SessionsGet extends BaseCommand {
  static override summary = 'Show one session'
  static override examples = ['<%= config.bin %> sessions get sess-abc123', '<%= config.bin %> sessions get sess-abc123 --watch']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    watch: Flags.boolean({description: 'Follow its status changes until it is running, stopped or failed'}),
    timeout: Flags.integer({description: 'With --watch: stop following after this many seconds', default: 600}),
  }

  async run(): Promise<SessionDto> {
    const {args, flags} = await this.parse(SessionsGet)
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    const {client} = await this.connect(flags)
    return showSession(this.io, client, args.id, {watch: flags.watch, timeoutSeconds: flags.timeout})
  }
}
