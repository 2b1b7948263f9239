import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {canPrompt, confirm} from '../src/cli/confirm.js'
import {UserError} from '../src/cli/errors.js'
import {withFix} from '../src/cli/failure.js'
import {renderFields} from '../src/cli/output/output.js'
import {checkNotBlank} from '../src/cli/flags/validate.js'
import type {MessageReply} from '../src/core/api/common.js'
import type {SessionDto} from '../src/core/api/sessions.js'

export default class Shutdown extends BaseCommand {
  static override summary = 'Force-destroy a session\'s instance now'
  static override description =
    'For when something went wrong: destroys the instance immediately, whatever runs on it. Data on a destroy-policy disk is lost. Prefer `done` for a normal release.'

  static override examples = ['<%= config.bin %> shutdown sess-abc123', '<%= config.bin %> shutdown sess-abc123 --yes']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required when not on a terminal)'}),
    'idempotency-key': Flags.string({description: 'Repeat-safe request key; a repeat returns the first reply'}),
  }

  static override readonly dataSchema = 'MessageReply'

  async run(): Promise<MessageReply> {
    const {args, flags} = await this.parse(Shutdown)
    checkNotBlank('idempotency-key', flags['idempotency-key'])
    const {client} = await this.connect(flags)
    const notFound = {not_found: `No session ${args.id}. List yours with \`gpu-shopper sessions\`.`}
    if (!flags.yes) {
      if (this.jsonEnabled() || !canPrompt()) {
        throw new UserError('shutdown needs --yes when it cannot ask you; nothing was destroyed', {
          fix: `Run \`gpu-shopper shutdown ${args.id} --yes\`, or \`gpu-shopper done ${args.id}\` for a graceful release.`,
        })
      }
      let session: SessionDto
      try {
        session = await client.sessions.get(args.id)
      } catch (err) {
        throw withFix(err, notFound)
      }
      this.markSimulated(session.simulated)
      const question = `Force-destroy ${session.id} (${session.gpu_count}x ${session.gpu_type} at ${session.provider}, ${session.status})? Anything on it is lost.`
      // Answering no is a choice, not a failure: exit 0 and say what was left as it was.
      if (!(await confirm(question))) {
        this.narrate(`Nothing was done: ${session.id} is still ${session.status}.`)
        return {message: 'not confirmed; nothing was destroyed', session_id: session.id, simulated: session.simulated}
      }
    }
    let reply: MessageReply
    try {
      reply = await client.sessions.shutdown(args.id, {idempotencyKey: flags['idempotency-key']})
    } catch (err) {
      throw withFix(err, notFound)
    }
    this.markSimulated(reply.simulated)
    this.out(renderFields([reply.session_id, reply.message]))
    return reply
  }
}
