import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {ALLOCATION_COLUMNS} from '../../src/cli/output/columns/allocations.js'
import {renderTable} from '../../src/cli/output/output.js'
import {outputFlag} from '../../src/cli/output/output-mode.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import {ALLOCATION_STATUSES} from '../../src/cli/output/allocation-status.js'
import {countOf} from '../../src/cli/output/format.js'
import type {AllocationsReply} from '../../src/core/api/allocations.js'

export default class AllocationsList extends BaseCommand {
  static override summary = 'List allocations'
  static override description =
    'Allocations are sessions seen in the quick start\'s words. Piped output is tab-separated with no header. ' +
    '`--output json` prints the reply object ({allocations, count, total}); `--json` prints the {ok, data, warnings} envelope.'

  static override examples = ['<%= config.bin %> allocations list', '<%= config.bin %> allocations list --status active --consumer-id my-app']

  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Only allocations of this consumer'}),
    status: Flags.string({description: 'Only allocations in this state', options: [...ALLOCATION_STATUSES]}),
    output: outputFlag,
  }

  static override readonly dataSchema = 'AllocationsReply'

  async run(): Promise<AllocationsReply> {
    const {flags} = await this.parse(AllocationsList)
    checkNotBlank('consumer-id', flags['consumer-id'])
    const {client} = await this.connect(flags)
    const reply = await client.allocations.list({consumer_id: flags['consumer-id'], status: flags.status})
    this.markSimulated(reply.simulated)
    if (reply.allocations.length === 0) {
      this.narrate('No allocations match. Create one with: gpu-shopper allocations create --sku <SKU> --gpus 1 (see `gpu-shopper catalog list`)')
    } else {
      this.out(await renderTable(ALLOCATION_COLUMNS, reply.allocations, {ctx: {now: this.now}}))
      this.narrate(`${countOf(reply.count, reply.total, 'allocation')}.`)
    }
    return reply
  }
}
