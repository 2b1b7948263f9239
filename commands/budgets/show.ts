import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {budgetDetails} from '../../src/cli/output/columns/budgets.js'
import {withFix} from '../../src/cli/failure.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import type {BudgetDto} from '../../src/core/api/budgets.js'

export default class BudgetsShow extends BaseCommand {
  static override summary = 'Show a consumer\'s budget and this month\'s spend against it'
  static override description = 'Spent is what the ledger has billed this month; committed is what the consumer\'s running sessions may still cost until they expire.'

  static override examples = ['<%= config.bin %> budgets show --consumer-id my-app', '<%= config.bin %> budgets show --consumer-id my-app --json']

  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Whose budget', required: true}),
  }

  static override readonly dataSchema = 'BudgetDto'

  async run(): Promise<BudgetDto> {
    const {flags} = await this.parse(BudgetsShow)
    const consumerId = flags['consumer-id']
    checkNotBlank('consumer-id', consumerId)
    const {client} = await this.connect(flags)
    let budget: BudgetDto
    try {
      budget = await client.budgets.get(consumerId)
    } catch (err) {
      throw withFix(err, {not_found: `Set one with \`gpu-shopper budgets set --consumer-id ${consumerId} --monthly-limit USD\`; \`gpu-shopper budgets list\` shows the budgets there are.`})
    }
    this.markSimulated(budget.simulated)
    this.out(renderDetails(budgetDetails(budget)))
    return budget
  }
}
