import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {loadSimulators, prepareStateDir, simulatorEnvLines, simulatorUrls} from '../../src/cli/flows/sim-loader.js'
import {flagError} from '../../src/cli/errors.js'
import {checkIntRange} from '../../src/cli/flags/validate.js'
import {SIM_OFFERS_RANGE} from '../../src/config/env.js'

export default class SimStart extends BaseCommand {
  static override summary = 'Run the simulated marketplaces until Ctrl-C'
  static override description =
    'Faithful HTTP replicas of the Vast.ai and TensorDock APIs with simulated instances you can SSH into. ' +
    'Prints where they listen, as VASTAI_API_URL=… and TENSORDOCK_API_URL=… lines (--json: {vastai_url, tensordock_url}); ' +
    'point a daemon at them with those variables and any VASTAI_API_KEY / TENSORDOCK_API_TOKEN.'

  static override examples = [
    '<%= config.bin %> sim start --port 9000 --tensordock-port 9001 --seed 42',
    '<%= config.bin %> sim start --json',
    '<%= config.bin %> sim start --offers 145000',
    '<%= config.bin %> sim start --state-dir ~/.local/state/gpu-shopper-sim',
  ]

  static override flags = {
    port: Flags.integer({description: 'Port of the simulated Vast.ai (0 picks a free one)', default: 0}),
    'tensordock-port': Flags.integer({description: 'Port of the simulated TensorDock (0 picks a free one)', default: 0}),
    seed: Flags.integer({description: 'Seed for the generated market, for repeatable offers'}),
    offers: Flags.integer({
      description:
        `How many offers the simulated Vast.ai market generates (${SIM_OFFERS_RANGE.min}-${SIM_OFFERS_RANGE.max}; 3000 when unset). ` +
        'About 70% are rentable, unrented and verified, which is what a daemon lists: 145000 gives it about 100k.',
    }),
    'model-load-ms': Flags.integer({description: 'How long a simulated model server (llm_vllm, llm_tgi) takes to load before /health answers 200 (3000 when unset)'}),
    host: Flags.string({description: 'Address to bind', default: '127.0.0.1'}),
    'state-dir': Flags.string({
      description:
        'Keep the marketplaces\' state (instances with their disks and SSH host keys, market, ids) in this directory, ' +
        'so simulators started again on it carry on where these stopped; in memory only when unset',
    }),
  }

  static override readonly dataSchema = 'SimulatorUrls'

  async run(): Promise<undefined> {
    const {flags} = await this.parse(SimStart)
    checkIntRange('port', flags.port, 0, 65_535)
    checkIntRange('tensordock-port', flags['tensordock-port'], 0, 65_535)
    checkIntRange('offers', flags.offers, SIM_OFFERS_RANGE.min, SIM_OFFERS_RANGE.max)
    checkIntRange('model-load-ms', flags['model-load-ms'], 0, 3_600_000)
    const stateDir = flags['state-dir'] === undefined ? undefined : prepareStateDir('state-dir', flags['state-dir'])
    const stop = this.interruptSignal()
    const {startSimulators} = await loadSimulators()
    const sims = await startSimulators({
      host: flags.host,
      port: flags.port,
      tensordockPort: flags['tensordock-port'],
      seed: flags.seed,
      offerCount: flags.offers,
      ...(flags['model-load-ms'] === undefined ? {} : {modelLoadMs: flags['model-load-ms']}),
      ...(stateDir === undefined ? {} : {stateDir}),
    }).catch((error: unknown) => {
      // A state file the simulators cannot read: name the flag, never a stack trace.
      if (stateDir !== undefined && error instanceof Error && error.message.includes(stateDir)) {
        throw flagError('state-dir', `holds state the simulators cannot read: ${error.message}`, 'Move that file away, or give another --state-dir.')
      }
      throw error
    })
    try {
      const urls = simulatorUrls(sims)
      this.emitResult(urls)
      this.out(simulatorEnvLines(urls).join('\n'))
      this.narrate(
        `Simulated Vast.ai at ${urls.vastai_url}, TensorDock at ${urls.tensordock_url}. Start a daemon on them with: ` +
          `${simulatorEnvLines(urls).join(' ')} VASTAI_API_KEY=sim TENSORDOCK_API_TOKEN=sim gpu-shopper daemon start. Ctrl-C stops them.`,
      )
      if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, {once: true}))
      this.narrate('Stopping the simulators…')
    } finally {
      await sims.close()
    }
    return undefined
  }
}
