import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {COST_BREAKDOWN_COLUMNS, COST_SERIES_COLUMNS, costBreakdownRows, costComponentDetails} from '../../src/cli/output/columns/costs.js'
import {flagError} from '../../src/cli/errors.js'
import {withFix} from '../../src/cli/failure.js'
import {costDigits, formatCost, formatHours, plural} from '../../src/cli/output/format.js'
import {renderDetails, renderFields, renderTable} from '../../src/cli/output/output.js'
import {checkDate, checkNotBlank} from '../../src/cli/flags/validate.js'
import type {CostsReply, SessionCostReply} from '../../src/core/api/costs.js'

export default class Costs extends BaseCommand {
  static override summary = 'What sessions cost: one session, or totals by consumer and date range'
  static override examples = [
    '<%= config.bin %> costs --session-id sess-abc123',
    '<%= config.bin %> costs --consumer-id my-app',
    '<%= config.bin %> costs --start-date 2026-01-01 --end-date 2026-01-31 --period daily',
  ]

  static override flags = {
    ...apiFlags,
    'session-id': Flags.string({description: 'Cost of this session alone'}),
    'consumer-id': Flags.string({description: 'Only this consumer\'s sessions'}),
    'start-date': Flags.string({description: 'From this day (YYYY-MM-DD, UTC); without either date, this month'}),
    'end-date': Flags.string({description: 'Up to and including this day (YYYY-MM-DD, UTC)'}),
    period: Flags.string({description: 'Also break the total down per day or month', options: ['daily', 'monthly']}),
  }

  static override readonly dataSchema = 'CostsOrSessionCost'

  async run(): Promise<SessionCostReply | CostsReply> {
    const {flags} = await this.parse(Costs)
    checkNotBlank('session-id', flags['session-id'])
    checkNotBlank('consumer-id', flags['consumer-id'])
    checkDate('start-date', flags['start-date'])
    checkDate('end-date', flags['end-date'])
    if (flags['start-date'] && flags['end-date'] && flags['start-date'] > flags['end-date']) {
      throw flagError('start-date', `(${flags['start-date']}) is after --end-date (${flags['end-date']})`, 'Swap them.')
    }
    const sessionId = flags['session-id']
    if (sessionId && (flags['consumer-id'] || flags['start-date'] || flags['end-date'] || flags.period)) {
      throw flagError('session-id', 'gives one session\'s cost and cannot be combined with --consumer-id, dates or --period')
    }
    const {client} = await this.connect(flags)

    if (sessionId) {
      let reply: SessionCostReply
      try {
        reply = await client.costs.get({session_id: sessionId})
      } catch (err) {
        throw withFix(err, {not_found: `No session ${sessionId}. List yours with \`gpu-shopper sessions\`.`})
      }
      this.markSimulated(reply.simulated)
      this.out(
        renderDetails([
          ['Session', reply.session_id],
          ['Status', reply.status],
          ['Cost', formatCost(reply.total_cost_micro_usd)],
          ...costComponentDetails(reply.by_component_micro_usd),
          ['Hours used', formatHours(reply.hours_used)],
        ]),
      )
      return reply
    }

    const reply = await client.costs.get({
      consumer_id: flags['consumer-id'],
      start_date: flags['start-date'],
      end_date: flags['end-date'],
      period: flags.period,
    })
    this.markSimulated(reply.simulated)
    const who = reply.consumer_id ?? 'all consumers'
    const range = reply.start_date || reply.end_date ? ` from ${reply.start_date ?? 'the start'} to ${reply.end_date ?? 'today'}` : ''
    this.narrate(`${who}${range}: ${plural(reply.session_count, 'session')}, ${formatHours(reply.hours_used)}`)
    const rows = costBreakdownRows(reply)
    const series = reply.series ?? []
    // The total and the rows it sums share one precision.
    const ctx = {now: this.now, costDigits: costDigits([reply.total_cost_micro_usd, ...rows.map((r) => r.total_cost_micro_usd), ...series.map((p) => p.total_cost_micro_usd)])}
    this.out(renderFields(['Total', formatCost(reply.total_cost_micro_usd, ctx.costDigits)]))
    if (rows.length > 0) this.out(await renderTable(COST_BREAKDOWN_COLUMNS, rows, {ctx}))
    if (series.length > 0) this.out(await renderTable(COST_SERIES_COLUMNS, series, {ctx}))
    return reply
  }
}
