import {Args} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {withFix} from '../../src/cli/failure.js'
import {diagnosisDetails} from '../../src/cli/output/diagnosis-view.js'
import {renderDetails} from '../../src/cli/output/output.js'
import type {DiagnosticsReply} from '../../src/core/api/diagnostics.js'

export default class SessionsDiagnose extends BaseCommand {
  static override summary = 'Check what is going on on a session\'s instance'
  static override description =
    'Asks the provider for the instance\'s status and logs in over SSH with the pinned host key to read the GPUs (nvidia-smi), disk (df), ' +
    'memory (free), out-of-memory kills (dmesg, or the container\'s cgroup), and the workload\'s health and the last lines of its log. Changes nothing.'

  static override examples = ['<%= config.bin %> sessions diagnose sess-abc123', '<%= config.bin %> sessions diagnose sess-abc123 --json']

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'DiagnosticsReply'

  async run(): Promise<DiagnosticsReply> {
    const {args, flags} = await this.parse(SessionsDiagnose)
    const {client} = await this.connect(flags)
    let diagnosis: DiagnosticsReply
    try {
      diagnosis = await client.sessions.diagnostics(args.id)
    } catch (err) {
      throw withFix(err, {not_found: `No session ${args.id}. List yours with \`gpu-shopper sessions\`.`})
    }
    this.markSimulated(diagnosis.simulated)
    this.out(renderDetails(diagnosisDetails(diagnosis)))
    if (diagnosis.problems.length === 0) this.narrate('Nothing stands out.')
    return diagnosis
  }
}
