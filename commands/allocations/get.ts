import {Args, Flags} from '@oclif/core'

import {watchAllocation} from '../../src/cli/flows/allocation-watch.js'
import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {allocationSshCommand} from '../../src/cli/ssh/allocation-ssh.js'
import {allocationDetails} from '../../src/cli/output/columns/allocations.js'
import {withFix} from '../../src/cli/failure.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {outputFlag} from '../../src/cli/output/output-mode.js'
import {checkIntRange} from '../../src/cli/flags/validate.js'
import {appPaths} from '../../src/config/paths.js'
import type {AllocationDto} from '../../src/core/api/allocations.js'

export default class AllocationsGet extends BaseCommand {
  static override summary = 'Show one allocation, or watch it until it is active'
  static override description =
    'With --watch, prints each state change (requested, provisioning, active, releasing, released, failed) until the allocation is active or released; ' +
    'a failed allocation exits non-zero with its failure reason. Ctrl-C stops watching and leaves the allocation as it is.\n\n' +
    '`--output json` prints the allocation object itself (look at failure_reason); `--json` prints the {ok, data, warnings} envelope.'

  static override examples = [
    '<%= config.bin %> allocations get sess-abc123',
    '<%= config.bin %> allocations get sess-abc123 --watch',
    '<%= config.bin %> allocations get sess-abc123 --output json | jq -r .failure_reason',
  ]

  static override args = {
    id: Args.string({description: 'Allocation id (from `allocations create`)', required: true}),
  }

  static override flags = {
    ...apiFlags,
    watch: Flags.boolean({description: 'Follow its state changes until it is active, released or failed'}),
    timeout: Flags.integer({description: 'With --watch: stop following after this many seconds (the allocation is left as it is)', default: 600}),
    output: outputFlag,
  }

  static override readonly dataSchema = 'AllocationDto'

  async run(): Promise<AllocationDto> {
    const {args, flags} = await this.parse(AllocationsGet)
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    const {client} = await this.connect(flags)
    let allocation: AllocationDto
    try {
      allocation = await client.allocations.get(args.id)
    } catch (err) {
      throw withFix(err, {not_found: `No allocation ${args.id}. List yours with \`gpu-shopper allocations list\`.`})
    }
    this.markSimulated(allocation.simulated)
    if (flags.watch) {
      allocation = await watchAllocation(client, args.id, {timeoutSeconds: flags.timeout, signal: this.interruptSignal(), narrate: (line) => this.narrate(line)})
    }
    this.out(renderDetails(allocationDetails(allocation, {now: Date.now()})))
    const ssh = await allocationSshCommand(allocation, appPaths())
    if (ssh) this.narrate(`Connect with: ${ssh}`)
    return allocation
  }
}
