import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {budgetBodyFrom} from '../../src/cli/flags/budget-input.js'
import {budgetDetails} from '../../src/cli/output/columns/budgets.js'
import {renderDetails} from '../../src/cli/output/output.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import {decimalFlag} from '../../src/cli/flags/decimal-flag.js'
import type {BudgetDto} from '../../src/core/api/budgets.js'
import {ON_LIMIT_ACTIONS} from '../../src/core/budget.js'

export default class BudgetsSet extends BaseCommand {
  static override summary = 'Set a consumer\'s monthly budget'
  static override description =
    'A calendar month (UTC) limit in USD for one consumer. Provisioning or extending past what is left (spent plus what running sessions are committed to) ' +
    'is refused with exit code 7, and nothing is created. An alert fires once the spend crosses --alert-at; at the limit the consumer\'s sessions are ' +
    'released (--on-limit release, the default) or only another alert fires (--on-limit alert). Setting it again replaces it.'

  static override examples = [
    '<%= config.bin %> budgets set --consumer-id my-app --monthly-limit 250',
    '<%= config.bin %> budgets set --consumer-id research --monthly-limit 1000 --alert-at 90% --on-limit alert',
  ]

  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Whose budget', required: true}),
    'monthly-limit': decimalFlag({description: 'USD per calendar month (UTC), 0 or more', required: true}),
    'alert-at': Flags.string({description: 'Alert once this share of the limit is spent: 0..1 or a percentage, e.g. 0.8 or 80% (default 0.8)'}),
    'on-limit': Flags.string({description: 'At the limit: release the consumer\'s sessions, or only alert (default release)', options: [...ON_LIMIT_ACTIONS]}),
  }

  static override readonly dataSchema = 'BudgetDto'

  async run(): Promise<BudgetDto> {
    const {flags} = await this.parse(BudgetsSet)
    const body = this.checkFlags('No budget was changed.', () => {
      checkNotBlank('consumer-id', flags['consumer-id'])
      return budgetBodyFrom(flags)
    })
    const {client} = await this.connect(flags)
    const budget = await client.budgets.set(flags['consumer-id'], body)
    this.markSimulated(budget.simulated)
    this.narrate(`Budget of ${budget.consumer_id} set.`)
    this.out(renderDetails(budgetDetails(budget)))
    return budget
  }
}
