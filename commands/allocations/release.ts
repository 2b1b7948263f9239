import {Args, Flags} from '@oclif/core'

import {allocationEventLine} from '../../src/cli/output/allocation-status.js'
import {allocationOutcomeError} from '../../src/cli/flows/allocation-watch.js'
import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {allocationDetails} from '../../src/cli/output/columns/allocations.js'
import {withFix} from '../../src/cli/failure.js'
import {followSession} from '../../src/cli/flows/follow-session.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {outputFlag} from '../../src/cli/output/output-mode.js'
import {checkIntRange, checkNotBlank} from '../../src/cli/flags/validate.js'
import type {AllocationDto} from '../../src/core/api/allocations.js'

export default class AllocationsRelease extends BaseCommand {
  static override summary = 'Release an allocation: destroy its instance and stop its costs'
  static override description =
    'The allocation goes to releasing; once the instance is verified gone it is released and its cost final. ' +
    '`--output json` prints the allocation object itself; `--json` prints the {ok, data, warnings} envelope.'

  static override examples = [
    '<%= config.bin %> allocations release sess-abc123',
    '<%= config.bin %> allocations release sess-abc123 --idempotency-key quickstart-release-001 --wait',
  ]

  static override args = {
    id: Args.string({description: 'Allocation id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    'idempotency-key': Flags.string({description: 'Repeat-safe request key; a repeat returns the first reply'}),
    wait: Flags.boolean({description: 'Wait until the instance is verified gone and the allocation released'}),
    timeout: Flags.integer({description: 'With --wait: give up waiting after this many seconds', default: 600}),
    output: outputFlag,
  }

  static override readonly dataSchema = 'AllocationDto'

  async run(): Promise<AllocationDto> {
    const {args, flags} = await this.parse(AllocationsRelease)
    checkNotBlank('idempotency-key', flags['idempotency-key'])
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    const {client} = await this.connect(flags)
    let allocation: AllocationDto
    try {
      allocation = await client.allocations.release(args.id, {idempotencyKey: flags['idempotency-key']})
    } catch (err) {
      throw withFix(err, {
        not_found: `No allocation ${args.id}. List yours with \`gpu-shopper allocations list\`.`,
        conflict: `Check its state with \`gpu-shopper allocations get ${args.id}\`; a released or failed allocation has nothing left to release.`,
      })
    }
    this.markSimulated(allocation.simulated)
    this.narrate(`${allocation.id} is ${allocation.status}.`)
    if (flags.wait && allocation.status !== 'released') {
      const outcome = await followSession(client, args.id, {
        until: ['stopped'],
        timeoutMs: flags.timeout * 1000,
        signal: this.interruptSignal(),
        onEvent: (event) => this.narrate(allocationEventLine(event)),
      })
      if (outcome.kind !== 'reached') throw allocationOutcomeError(outcome, flags.timeout)
      allocation = await client.allocations.get(args.id)
    } else if (!flags.wait && allocation.status === 'releasing') {
      this.narrate(`Follow it with: gpu-shopper allocations get ${allocation.id} --watch`)
    }
    this.out(renderDetails(allocationDetails(allocation, {now: Date.now()})))
    return allocation
  }
}
