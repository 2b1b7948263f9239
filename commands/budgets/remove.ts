import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {withFix} from '../../src/cli/failure.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'

export interface BudgetRemoved {
  consumer_id: string
  message: string
  simulated: boolean
}

export default class BudgetsRemove extends BaseCommand {
  static override summary = 'Remove a consumer\'s budget: no monthly limit any more'
  static override description = 'The consumer\'s sessions are left as they are; only the limit and its alerts go.'

  static override examples = ['<%= config.bin %> budgets remove --consumer-id my-app']

  static override flags = {
    ...apiFlags,
    'consumer-id': Flags.string({description: 'Whose budget', required: true}),
  }

  static override readonly dataSchema = 'BudgetRemoved'

  async run(): Promise<BudgetRemoved> {
    const {flags} = await this.parse(BudgetsRemove)
    const consumerId = flags['consumer-id']
    checkNotBlank('consumer-id', consumerId)
    const {client} = await this.connect(flags)
    let reply: {message: string; simulated: boolean}
    try {
      reply = await client.budgets.remove(consumerId)
    } catch (err) {
      throw withFix(err, {not_found: `${consumerId} has no budget, so there is nothing to remove; \`gpu-shopper budgets list\` shows the budgets there are.`})
    }
    this.markSimulated(reply.simulated)
    this.out(reply.message)
    return {consumer_id: consumerId, ...reply}
  }
}
