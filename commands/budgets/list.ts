import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {BUDGET_COLUMNS} from '../../src/cli/output/columns/budgets.js'
import {renderTable} from '../../src/cli/output/output.js'
import type {BudgetsReply} from '../../src/core/api/budgets.js'

export default class BudgetsList extends BaseCommand {
  static override summary = 'List every consumer\'s budget with this month\'s spend'
  static override description = 'On a terminal a table; in a pipe tab-separated lines without a header, in the table\'s column order.'

  static override examples = ['<%= config.bin %> budgets list', '<%= config.bin %> budgets list --json']

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'BudgetsReply'

  async run(): Promise<BudgetsReply> {
    const {flags} = await this.parse(BudgetsList)
    const {client} = await this.connect(flags)
    const reply = await client.budgets.list()
    this.markSimulated(reply.simulated)
    if (reply.budgets.length === 0) {
      this.narrate('No budgets. Set one with `gpu-shopper budgets set --consumer-id ID --monthly-limit USD`.')
      return reply
    }
    this.out(await renderTable(BUDGET_COLUMNS, reply.budgets, {ctx: {now: this.now}}))
    return reply
  }
}
