import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {type DemoSummary, runDemo} from '../src/cli/flows/demo.js'
import {checkIntRange} from '../src/cli/flags/validate.js'

export default class Demo extends BaseCommand {
  static override summary = 'Walk through the whole journey on a simulated market'
  static override description =
    'In a throwaway home: starts a daemon on the simulated market, lists the ten cheapest offers, rents the cheapest RTX 4090, runs nvidia-smi on it over SSH, extends it, releases it and shows its cost. Everything is removed afterwards, also on failure or Ctrl-C. No real GPUs, no real money.'

  static override examples = ['<%= config.bin %> demo', '<%= config.bin %> demo --json > summary.json']

  static override flags = {
    timeout: Flags.integer({description: 'Give up on a step that waits for the market after this many seconds', default: 120}),
  }

  static override readonly dataSchema = 'DemoSummary'

  async run(): Promise<DemoSummary> {
    const {flags} = await this.parse(Demo)
    checkIntRange('timeout', flags.timeout, 1, 3600)
    const summary = await runDemo(this.io, {signal: this.interruptSignal(), stepTimeoutSeconds: flags.timeout})
    this.narrate(`Demo finished in ${(summary.duration_ms / 1000).toFixed(1)} s.`)
    return summary
  }
}
