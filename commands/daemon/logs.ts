import {Flags} from '@oclif/core'

import {BaseCommand} from '../../src/cli/base-command.js'
import {flagError} from '../../src/cli/errors.js'
import {followFile} from '../../src/cli/flows/follow-file.js'
import {checkIntRange} from '../../src/cli/flags/validate.js'
import {fileSize, readLastLogLines} from '../../src/client/log-tail.js'
import {appPaths, daemonLogFile} from '../../src/config/paths.js'

export default class DaemonLogs extends BaseCommand {
  static override summary = 'Show the daemon\'s log (JSON lines)'
  static override examples = ['<%= config.bin %> daemon logs --lines 100', '<%= config.bin %> daemon logs --follow']

  static override flags = {
    lines: Flags.integer({char: 'n', description: 'How many of the last lines to show', default: 50}),
    follow: Flags.boolean({char: 'f', description: 'Keep printing new lines until Ctrl-C'}),
  }

  static override readonly dataSchema = 'DaemonLogs'

  async run(): Promise<{log_file: string; lines: string[]} | undefined> {
    const {flags} = await this.parse(DaemonLogs)
    checkIntRange('lines', flags.lines, 0, 100_000)
    if (flags.follow && this.jsonEnabled()) {
      throw flagError('follow', 'cannot be combined with --json: the log lines are JSON already', 'Drop --json and pipe the lines to jq.')
    }
    const file = daemonLogFile(appPaths())
    const lines = await readLastLogLines(file, flags.lines)
    if (lines.length === 0 && (await fileSize(file)) === 0) this.narrate(`No log yet at ${file}.`)
    if (lines.length > 0) this.out(lines.join('\n'))
    if (!flags.follow) return {log_file: file, lines}
    const start = await fileSize(file)
    await followFile(file, start, (text) => process.stdout.write(text), this.interruptSignal())
    return undefined
  }
}
