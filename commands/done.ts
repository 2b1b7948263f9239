import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {withFix} from '../src/cli/failure.js'
import {followSession} from '../src/cli/flows/follow-session.js'
import {formatCost} from '../src/cli/output/format.js'
import {renderFields} from '../src/cli/output/output.js'
import {eventLine} from '../src/cli/output/session-summary.js'
import {checkIntRange, checkNotBlank} from '../src/cli/flags/validate.js'
import {outcomeError} from '../src/cli/flows/wait-outcome.js'
import {forgetKeysOfEnded} from '../src/cli/ssh/ended-session-keys.js'
import {appPaths} from '../src/config/paths.js'
import type {MessageReply} from '../src/core/api/common.js'
import type {SessionDto} from '../src/core/api/sessions.js'

export default class Done extends BaseCommand {
  static override summary = 'Release a session: destroy its instance and stop its costs'
  static override description =
    'Graceful release: the session goes to stopping, the instance is destroyed and verified gone, then the session is stopped and its cost final.'

  static override examples = ['<%= config.bin %> done sess-abc123', '<%= config.bin %> done sess-abc123 --wait']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    'idempotency-key': Flags.string({description: 'Repeat-safe request key; a repeat returns the first reply'}),
    wait: Flags.boolean({description: 'Wait until the instance is verified gone and the session stopped'}),
    timeout: Flags.integer({description: 'With --wait: give up waiting after this many seconds', default: 600}),
  }

  static override readonly dataSchema = 'SessionReleased'

  async run(): Promise<MessageReply & {session?: SessionDto}> {
    const {args, flags} = await this.parse(Done)
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    checkNotBlank('idempotency-key', flags['idempotency-key'])
    const {client} = await this.connect(flags)
    let reply: MessageReply
    try {
      reply = await client.sessions.done(args.id, {idempotencyKey: flags['idempotency-key']})
    } catch (err) {
      throw withFix(err, {
        not_found: `No session ${args.id}. List yours with \`gpu-shopper sessions\`.`,
        conflict: `Check its state with \`gpu-shopper sessions get ${args.id}\`; a stopped or failed session has nothing left to release.`,
      })
    }
    this.markSimulated(reply.simulated)
    if (!flags.wait) {
      this.out(renderFields([reply.session_id, reply.message]))
      this.narrate(`Follow it with: gpu-shopper sessions get ${reply.session_id} --watch`)
      return reply
    }
    const outcome = await followSession(client, args.id, {
      // A storage_policy preserve session ends its release preserved: stopped, its disk kept.
      until: ['stopped', 'preserved'],
      timeoutMs: flags.timeout * 1000,
      signal: this.interruptSignal(),
      onEvent: (event) => this.narrate(eventLine(event)),
    })
    if (outcome.kind !== 'reached') throw outcomeError(outcome, 'stopped', flags.timeout)
    if (outcome.session.status === 'preserved') {
      this.out(renderFields([outcome.session.id, `preserved (instance stopped, disk kept and billing storage), cost so far ${formatCost(outcome.session.total_cost_micro_usd)}`]))
      this.narrate(`Resume it with: gpu-shopper sessions resume ${outcome.session.id} --wait; end it with: gpu-shopper sessions destroy ${outcome.session.id}`)
      return {...reply, session: outcome.session}
    }
    await forgetKeysOfEnded([outcome.session], appPaths())
    this.out(renderFields([outcome.session.id, `stopped, total cost ${formatCost(outcome.session.total_cost_micro_usd)}`]))
    return {...reply, session: outcome.session}
  }
}
