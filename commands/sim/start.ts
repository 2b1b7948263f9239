import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {loadSimulators} from '../../src/cli/sim-loader.js'
import {checkIntRange} from '../../src/cli/validate.js'

export default class SimStart extends BaseCommand {
  static override summary = 'Run the simulated marketplaces until Ctrl-C'
  static override description =
    'Faithful HTTP replicas of the marketplace APIs with simulated instances you can SSH into. Point a daemon at them with VASTAI_API_URL.'

  static override examples = ['<%= config.bin %> sim start --port 9000 --seed 42', 'VASTAI_API_URL=$(<%= config.bin %> sim start | head -1) ...']

  static override flags = {
    port: Flags.integer({description: 'Port to listen on (0 picks a free one)', default: 0}),
    seed: Flags.integer({description: 'Seed for the generated market, for repeatable offers'}),
    host: Flags.string({description: 'Address to bind', default: '127.0.0.1'}),
  }

  async run(): Promise<undefined> {
    const {flags} = await this.parse(SimStart)
    checkIntRange('port', flags.port, 0, 65_535)
    const stop = this.interruptSignal()
    const {startSimulators} = await loadSimulators()
    const sims = await startSimulators({host: flags.host, port: flags.port, seed: flags.seed})
    try {
      this.emitResult({vastai_url: sims.vastai.url})
      this.out(sims.vastai.url)
      this.narrate(`Simulated Vast.ai at ${sims.vastai.url}; use it with VASTAI_API_URL=${sims.vastai.url}. Ctrl-C stops it.`)
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, {once: true}))
      this.narrate('Stopping the simulators…')
    } finally {
      await sims.close()
    }
    return undefined
  }
}
