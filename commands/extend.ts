import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {withFix} from '../src/cli/failure.js'
import {formatClock} from '../src/cli/format.js'
import {checkIntRange} from '../src/cli/validate.js'
import type {ExtendReply} from '../src/core/api/sessions.js'
import {MAX_RESERVATION_HOURS} from '../src/core/session.js'

export default class Extend extends BaseCommand {
  static override summary = 'Reserve a session for more hours'
  static override description = `A session never runs past ${MAX_RESERVATION_HOURS} hours in total; the daemon refuses an extension beyond that.`
  static override examples = ['<%= config.bin %> extend sess-abc123 --hours 2']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    hours: Flags.integer({description: `Hours to add, 1-${MAX_RESERVATION_HOURS}`, required: true}),
  }

  async run(): Promise<ExtendReply> {
    const {args, flags} = await this.parse(Extend)
    checkIntRange('hours', flags.hours, 1, MAX_RESERVATION_HOURS, `A session may be reserved for at most ${MAX_RESERVATION_HOURS} hours in total.`)
    const {client} = await this.connect(flags)
    let reply: ExtendReply
    try {
      reply = await client.sessions.extend(args.id, flags.hours)
    } catch (err) {
      throw withFix(err, {
        not_found: `No session ${args.id}. List yours with \`gpu-shopper sessions\`.`,
        conflict: `Only a live session can be extended, and never past ${MAX_RESERVATION_HOURS} h in total; check it with \`gpu-shopper sessions get ${args.id}\`.`,
      })
    }
    this.markSimulated(reply.simulated)
    this.out(`${reply.session_id} now expires at ${formatClock(reply.new_expires_at)} (+${flags.hours} h)`)
    return reply
  }
}
