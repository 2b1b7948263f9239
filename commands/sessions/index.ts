import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {runSessions} from '../../src/cli/actions/sessions.js'
import type {SessionDto, SessionsReply} from '../../src/core/api/sessions.js'
import {MAX_PAGE_SIZE} from '../../src/core/limits.js'
import {PROVIDER_NAMES} from '../../src/core/provider-name.js'
import {SESSION_STATUSES} from '../../src/core/session-status.js'

export default class Sessions extends BaseCommand {
  static override summary = 'List GPU sessions, or show one with --id'
  static override description = 'Piped output is tab-separated with no header.'
  static override examples = [
    '<%= config.bin %> sessions',
    '<%= config.bin %> sessions --status running --consumer-id my-app',
    '<%= config.bin %> sessions --id sess-abc123 --watch',
  ]

  // bin/run.js runs this command without oclif when its arguments are plain (src/cli/fast-path):
  // a flag added here is parsed by oclif only, until the fast path's route learns it too.
  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Only sessions of this consumer'}),
    status: Flags.string({description: 'Only sessions in this status', options: [...SESSION_STATUSES]}),
    provider: Flags.string({description: 'Only sessions at this marketplace', options: [...PROVIDER_NAMES]}),
    limit: Flags.integer({description: `At most this many sessions (1-${MAX_PAGE_SIZE})`}),
    id: Flags.string({description: 'Show this session instead of a list'}),
    watch: Flags.boolean({description: 'With --id: follow its status changes until it is running, stopped or failed', dependsOn: ['id']}),
    timeout: Flags.integer({description: 'With --watch: stop following after this many seconds', default: 600}),
  }

  static override readonly dataSchema = 'SessionsOrSession'

  async run(): Promise<SessionsReply | SessionDto> {
    const {flags} = await this.parse(Sessions)
    return runSessions(this.context, flags)
  }
}
