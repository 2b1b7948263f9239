import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {canPrompt, confirm} from '../src/cli/confirm.js'
import {withFix} from '../src/cli/failure.js'
import {renderFields} from '../src/cli/output/output.js'
import {checkNotBlank} from '../src/cli/flags/validate.js'
import type {MessageReply} from '../src/core/api/common.js'
import type {SessionDto} from '../src/core/api/sessions.js'

export default class Shutdown extends BaseCommand {
  static override summary = 'Force-destroy a session\'s instance now (also ends a preserved session and its disk)'
  static override description =
    'For when something went wrong: destroys the instance immediately, whatever runs on it, and its disk with it, a preserved one too. ' +
    'Prefer `done` for a normal release (which keeps the disk of a storage_policy preserve session). `sessions destroy ID` is the same command.'

  static override aliases = ['sessions:destroy']

  static override examples = ['<%= config.bin %> shutdown sess-abc123', '<%= config.bin %> shutdown sess-abc123 --yes   # on a terminal, without the question']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation on a terminal (a script, which names the session, is not asked)'}),
    'idempotency-key': Flags.string({description: 'Repeat-safe request key; a repeat returns the first reply'}),
  }

  static override readonly dataSchema = 'MessageReply'

  async run(): Promise<MessageReply> {
    const {args, flags} = await this.parse(Shutdown)
    checkNotBlank('idempotency-key', flags['idempotency-key'])
    const {client} = await this.connect(flags)
    const notFound = {not_found: `No session ${args.id}. List yours with \`gpu-shopper sessions\`.`}
    // What is about to be destroyed, said before (the question) and after (what went).
    let session: SessionDto
    try {
      session = await client.sessions.get(args.id)
    } catch (err) {
      throw withFix(err, notFound)
    }
    this.markSimulated(session.simulated)
    const what = `${session.id} (${session.gpu_count}x ${session.gpu_type} at ${session.provider}, ${session.status})`
    // A person at a terminal is asked; a script has named the session it means, as the seed's
    // `shutdown ID` does, and goes ahead.
    if (!flags.yes && !this.jsonEnabled() && canPrompt()) {
      // Answering no is a choice, not a failure: exit 0 and say what was left as it was.
      if (!(await confirm(`Force-destroy ${what}? Anything on it is lost.`))) {
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
    this.narrate(`Force-destroying ${what}.`)
    this.out(renderFields([reply.session_id, reply.message]))
    return reply
  }
}
