import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../src/cli/base-command.js'
import {canPrompt, confirm} from '../src/cli/confirm.js'
import {INCLUDE_LINE, type SshConfigWritten, sshConfigPaths, writeSshConfig} from '../src/cli/ssh/ssh-config.js'
import {serverTunnelFor} from '../src/cli/ssh/session-jump.js'
import {runningSessionEntries} from '../src/cli/ssh/ssh-config-entries.js'
import {appPaths} from '../src/config/paths.js'

export default class SshConfig extends BaseCommand {
  static override summary = 'Write ~/.ssh/gpu-shopper.config with a Host block per running session'
  static override description =
    'Each run rewrites ~/.ssh/gpu-shopper.config: a `Host gpu-<session id>` block per running session (its key, port, user and pinned host key), so ' +
    '`ssh gpu-<id>`, scp, rsync and editors\' remote modes work. Ended sessions disappear. ~/.ssh/config itself only ever gets one line, ' +
    `\`${INCLUDE_LINE}\`, at its top, and only with --yes or your answer at the prompt; otherwise the line to add is printed.`

  static override examples = ['<%= config.bin %> ssh-config', '<%= config.bin %> ssh-config --yes', 'ssh gpu-sess-abc123 nvidia-smi']

  static override flags = {
    ...apiFlags,
    yes: Flags.boolean({char: 'y', description: 'Add the Include line to ~/.ssh/config without asking (once; it is never added twice)'}),
  }

  static override readonly dataSchema = 'SshConfigWritten'

  async run(): Promise<SshConfigWritten> {
    const {flags} = await this.parse(SshConfig)
    const connection = await this.connect(flags)
    const {entries, sessions} = await runningSessionEntries(connection.client, appPaths(), serverTunnelFor(connection))
    this.markSimulated(sessions.some((s) => s.simulated))
    const paths = sshConfigPaths()
    const written = await writeSshConfig(entries, {
      paths,
      mayEditUserConfig: async () => {
        if (flags.yes) return true
        if (!canPrompt() || this.jsonEnabled()) return false
        return confirm(`Add \`${INCLUDE_LINE}\` at the top of ${paths.userConfig}?`, this.interruptSignal())
      },
    })
    this.narrate(`Wrote ${written.file} (${written.hosts.length} running session${written.hosts.length === 1 ? '' : 's'}).`)
    if (written.includeAdded) this.narrate(`Added \`${INCLUDE_LINE}\` at the top of ${paths.userConfig}.`)
    else if (!written.included) this.warnUser(`${paths.userConfig} does not include it yet: add this line at its top (or run again with --yes):\n  ${INCLUDE_LINE}`)
    for (const host of written.hosts) this.out(host)
    return written
  }
}
