import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {SESSION_COLUMNS} from '../../src/cli/output/columns/sessions.js'
import {flagError} from '../../src/cli/errors.js'
import {renderTable} from '../../src/cli/output/output.js'
import {showSession} from '../../src/cli/output/session-view.js'
import {checkIntRange, checkNotBlank} from '../../src/cli/flags/validate.js'
import {countOf} from '../../src/cli/output/format.js'
import {forgetKeysOfEnded} from '../../src/cli/ssh/ended-session-keys.js'
import {appPaths} from '../../src/config/paths.js'
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
    checkNotBlank('consumer-id', flags['consumer-id'])
    checkNotBlank('id', flags.id)
    checkIntRange('limit', flags.limit, 1, MAX_PAGE_SIZE)
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    if (flags.id && (flags['consumer-id'] || flags.status || flags.provider || flags.limit)) {
      throw flagError('id', 'shows one session and cannot be combined with list filters', 'Drop --consumer-id/--status/--provider/--limit, or drop --id.')
    }
    const {client} = await this.connect(flags)
    if (flags.id) {
      const session = await showSession(this.io, client, flags.id, {watch: flags.watch, timeoutSeconds: flags.timeout})
      await forgetKeysOfEnded([session], appPaths())
      return session
    }

    const reply = await client.sessions.list({
      consumer_id: flags['consumer-id'],
      status: flags.status,
      provider: flags.provider,
      limit: flags.limit,
    })
    this.markSimulated(reply.simulated)
    await forgetKeysOfEnded(reply.sessions, appPaths())
    if (reply.sessions.length === 0) {
      this.narrate('No sessions match. Rent a GPU with: gpu-shopper provision --offer-id <ID> --hours 1')
    } else {
      this.out(await renderTable(SESSION_COLUMNS, reply.sessions, {ctx: {now: this.now}}))
      this.narrate(`${countOf(reply.count, reply.total, 'session')}.`)
    }
    return reply
  }
}
