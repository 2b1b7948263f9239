import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {withFix} from '../../src/cli/failure.js'
import {checkIntRange} from '../../src/cli/flags/validate.js'
import {followSession} from '../../src/cli/flows/follow-session.js'
import {outcomeError} from '../../src/cli/flows/wait-outcome.js'
import {renderFields} from '../../src/cli/output/output.js'
import {eventLine, runningSummary} from '../../src/cli/output/session-summary.js'
import type {SessionDto} from '../../src/core/api/sessions.js'

export default class SessionsResume extends BaseCommand {
  static override summary = 'Start a preserved session again'
  static override description =
    'A session released with storage_policy preserve keeps its stopped instance and disk (billing storage only). ' +
    'This starts it again: SSH is verified anew, its workload started again, and compute bills once it runs. End it for good with `sessions destroy ID`.'

  static override examples = ['<%= config.bin %> sessions resume sess-abc123 --wait']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    wait: Flags.boolean({description: 'Wait until it is running again (or failed); Ctrl-C stops waiting, not the session'}),
    timeout: Flags.integer({description: 'With --wait: give up waiting after this many seconds', default: 600}),
  }

  static override readonly dataSchema = 'SessionDto'

  async run(): Promise<SessionDto> {
    const {args, flags} = await this.parse(SessionsResume)
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    const {client} = await this.connect(flags)
    let session: SessionDto
    try {
      session = await client.sessions.resume(args.id)
    } catch (err) {
      throw withFix(err, {not_found: `No session ${args.id}. List yours with \`gpu-shopper sessions\`.`, conflict: `Only a preserved session can be resumed: see \`gpu-shopper sessions get ${args.id}\`.`})
    }
    this.markSimulated(session.simulated)
    if (!flags.wait) {
      this.out(renderFields([session.id, session.status]))
      this.narrate(`Follow it with: gpu-shopper sessions get ${session.id} --watch`)
      return session
    }
    this.narrate(`Resuming ${session.id}; waiting until it runs (Ctrl-C stops waiting, not the session)…`)
    const outcome = await followSession(client, session.id, {
      until: ['running'],
      timeoutMs: flags.timeout * 1000,
      signal: this.interruptSignal(),
      onEvent: (event) => this.narrate(eventLine(event)),
      history: false,
    })
    if (outcome.kind !== 'reached') throw outcomeError(outcome, 'running', flags.timeout)
    this.out(runningSummary(outcome.session, Date.now()))
    return outcome.session
  }
}
