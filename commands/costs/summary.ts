import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {COST_BREAKDOWN_COLUMNS, costBreakdownRows} from '../../src/cli/output/columns/costs.js'
import {costDigits, formatCost, formatHours, plural} from '../../src/cli/output/format.js'
import {renderFields, renderTable} from '../../src/cli/output/output.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import type {CostSummaryReply} from '../../src/core/api/costs.js'

export default class CostsSummary extends BaseCommand {
  static override summary = 'This month\'s costs, by provider, GPU type and consumer'
  static override examples = ['<%= config.bin %> costs summary', '<%= config.bin %> costs summary --consumer-id my-app --json']

  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Only this consumer'}),
  }

  static override readonly dataSchema = 'CostSummaryReply'

  async run(): Promise<CostSummaryReply> {
    const {flags} = await this.parse(CostsSummary)
    checkNotBlank('consumer-id', flags['consumer-id'])
    const {client} = await this.connect(flags)
    const reply = await client.costs.summary({consumer_id: flags['consumer-id']})
    this.markSimulated(reply.simulated)
    this.narrate(
      `${reply.month}${reply.consumer_id ? ` for ${reply.consumer_id}` : ''}: ${plural(reply.session_count, 'session')}, ${formatHours(reply.hours_used)}, ${reply.active_sessions} running now`,
    )
    const rows = costBreakdownRows({...reply, by_consumer_micro_usd: reply.consumer_id ? {} : reply.by_consumer_micro_usd})
    // The total and the rows it sums share one precision.
    const ctx = {now: this.now, costDigits: costDigits([reply.total_cost_micro_usd, ...rows.map((r) => r.total_cost_micro_usd)])}
    this.out(renderFields(['Total', formatCost(reply.total_cost_micro_usd, ctx.costDigits)]))
    if (rows.length > 0) this.out(await renderTable(COST_BREAKDOWN_COLUMNS, rows, {ctx}))
    return reply
  }
}
