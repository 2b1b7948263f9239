import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {flagError} from '../src/cli/errors.js'
import {withExtendFix} from '../src/cli/flows/extension.js'
import {formatClock} from '../src/cli/output/format.js'
import type {ExtendReply} from '../src/core/api/sessions.js'
import {MAX_RESERVATION_HOURS, MIN_RESERVATION_HOURS} from '../src/core/limits.js'

export default class Extend extends BaseCommand {
  static override summary = 'Reserve a session for more hours'
  static override description =
    `A session never runs past ${MAX_RESERVATION_HOURS} hours in total; the daemon refuses an extension beyond that and says how many hours can still be added.`

  static override examples = ['<%= config.bin %> extend sess-abc123 --hours 2']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    hours: Flags.integer({description: `Hours to add, ${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS} (at most what is left of the session's ${MAX_RESERVATION_HOURS} hours)`, required: true}),
  }

  static override readonly dataSchema = 'ExtendReply'

  async run(): Promise<ExtendReply> {
    const {args, flags} = await this.parse(Extend)
    // The upper bound depends on the session (what is left of its 12 hours): the daemon checks
    // it and names the hours that can still be added.
    if (flags.hours < MIN_RESERVATION_HOURS) throw flagError('hours', `must be at least ${MIN_RESERVATION_HOURS} (got ${flags.hours})`, `Give the hours to add, ${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS}.`)
    const {client} = await this.connect(flags)
    let reply: ExtendReply
    try {
      reply = await client.sessions.extend(args.id, flags.hours)
    } catch (err) {
      throw withExtendFix(err, args.id, 'cli')
    }
    this.markSimulated(reply.simulated)
    this.out(`${reply.session_id} now expires at ${formatClock(reply.new_expires_at)} (+${flags.hours} h)`)
    return reply
  }
}
