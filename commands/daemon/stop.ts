import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {type StopResult, stopDaemon} from '../../src/client/daemon-process.js'

export default class DaemonStop extends BaseCommand {
  static override summary = 'Stop the local daemon'
  static override description =
    'Running sessions keep running (and costing) at the marketplaces; the daemon resumes watching them at its next start.'

  static override examples = ['<%= config.bin %> daemon stop']

  static override flags = {
    force: Flags.boolean({description: 'Kill it if it does not exit within 10 seconds of SIGTERM'}),
  }

  static override readonly dataSchema = 'DaemonStopped'

  async run(): Promise<StopResult> {
    const {flags} = await this.parse(DaemonStop)
    const result = await stopDaemon({force: flags.force})
    if (result.stopped) this.out(`stopped (pid ${result.pid})`)
    else if (result.removedStaleState) this.out(`not running (removed a stale state file of pid ${result.pid})`)
    else this.out('not running')
    return result
  }
}
