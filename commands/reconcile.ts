import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {type ReconcileResult, reconcileErrorSummary, renderReconcileReport} from '../src/cli/output/columns/reconcile.js'
import {EXIT} from '../src/cli/exit-codes.js'
import {UserError} from '../src/cli/errors.js'
import {runReconcile} from '../src/cli/flows/reconcile.js'

export default class Reconcile extends BaseCommand {
  static override summary = 'Find and clean up instances nobody is paying attention to'
  static override description =
    'Compares every provider\'s instances with the sessions: orphans (instances labelled by this deployment that no live session owns) are destroyed, ' +
    'ghosts (sessions whose instance is gone) are marked stopped, and instances of sessions whose create reply was lost are adopted. ' +
    'Instances not started by this deployment are never touched.\n\n' +
    'With a daemon running (or --server) it asks the daemon; otherwise it does not start one: it talks to the providers directly, with the ' +
    'provider keys in your environment (VASTAI_API_KEY, TENSORDOCK_API_TOKEN), and destroys orphans at once. ' +
    '--dry-run reports what would be done and changes nothing.\n\n' +
    'Exits non-zero (6) when a provider could not be reconciled; the report is still printed (under --json it is the error\'s `report`). ' +
    '--json data: the reconcile report plus `mode`: "daemon" or "offline".'

  static override examples = ['<%= config.bin %> reconcile --dry-run', '<%= config.bin %> reconcile', '<%= config.bin %> reconcile --dry-run --json | jq \'.data.orphans\'']

  static override flags = {
    ...apiFlags,
    'dry-run': Flags.boolean({description: 'Report what would be destroyed, stopped or adopted, and change nothing'}),
  }

  static override readonly dataSchema = 'ReconcileResult'

  async run(): Promise<ReconcileResult> {
    const {flags} = await this.parse(Reconcile)
    const result = await runReconcile({
      dryRun: flags['dry-run'],
      server: flags.server,
      narrate: (message) => this.narrate(message),
      signal: this.interruptSignal(),
    })
    this.markSimulated(result.simulated)
    this.out(renderReconcileReport(result, {now: this.now}))
    if (result.errors.length > 0) {
      throw new UserError(reconcileErrorSummary(result.errors), {
        errorType: 'provider_error',
        exitCode: EXIT.PROVIDER,
        fix: 'Instances at the providers named were not all checked. Check their keys and health (`gpu-shopper daemon status`), then run `gpu-shopper reconcile` again.',
        details: {report: result},
      })
    }
    return result
  }
}
