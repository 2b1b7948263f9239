import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {COST_BREAKDOWN_COLUMNS, costBreakdownRows} from '../../src/cli/columns/costs.js'
import {formatCost, formatHours} from '../../src/cli/format.js'
import {renderTable} from '../../src/cli/output.js'
import {checkNotBlank} from '../../src/cli/validate.js'
import type {CostSummaryReply} from '../../src/core/api/costs.js'

export default class CostsSummary extends BaseCommand {
  static override summary = 'This month\'s costs, by provider, GPU type and consumer'
  static override examples = ['<%= config.bin %> costs summary', '<%= config.bin %> costs summary --consumer-id my-app --json']

  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Only this consumer'}),
  }

  async run(): Promise<CostSummaryReply> {
    const {flags} = await this.parse(CostsSummary)
    checkNotBlank('consumer-id', flags['consumer-id'])
    const {client} = await this.connect(flags)
    const reply = await client.costs.summary({consumer_id: flags['consumer-id']})
    this.markSimulated(reply.simulated)
    this.narrate(
      `${reply.month}${reply.consumer_id ? ` for ${reply.consumer_id}` : ''}: ${reply.session_count} sessions, ${formatHours(reply.hours_used)}, ${reply.active_sessions} running now`,
    )
    this.out(`Total\t${formatCost(reply.total_cost_micro_usd)}`)
    const rows = costBreakdownRows({...reply, by_consumer_micro_usd: reply.consumer_id ? {} : reply.by_consumer_micro_usd})
    if (rows.length > 0) this.out(await renderTable(COST_BREAKDOWN_COLUMNS, rows))
    return reply
  }
}
