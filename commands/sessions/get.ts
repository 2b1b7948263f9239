import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {saveSessionKey} from '../../src/cli/ssh/save-key.js'
import {privateKeyLine} from '../../src/cli/ssh/session-key-info.js'
import {forgetKeysOfEnded} from '../../src/cli/ssh/ended-session-keys.js'
import {sessionKeyPath} from '../../src/cli/ssh/session-keys.js'
import {showSession} from '../../src/cli/output/session-view.js'
import {checkIntRange, checkNotBlank} from '../../src/cli/flags/validate.js'
import {appPaths} from '../../src/config/paths.js'
import type {SessionDto} from '../../src/core/api/sessions.js'

export default class SessionsGet extends BaseCommand {
  static override summary = 'Show one session'
  static override description = 'Also shows where this machine keeps the session\'s private key; --save-key copies it elsewhere (0600).'
  static override examples = [
    '<%= config.bin %> sessions get sess-abc123',
    '<%= config.bin %> sessions get sess-abc123 --watch',
    '<%= config.bin %> sessions get sess-abc123 --save-key ./gpu.key',
  ]

  static override args = {
    id: Args.string({description: 'Session id', required: true}),
  }

  static override flags = {
    ...apiFlags,
    watch: Flags.boolean({description: 'Follow its status changes until it is running, stopped or failed'}),
    timeout: Flags.integer({description: 'With --watch: stop following after this many seconds', default: 600}),
    'save-key': Flags.string({description: 'Copy the session\'s private key to this path (0600)'}),
    force: Flags.boolean({description: 'With --save-key: overwrite an existing file'}),
  }

  static override readonly dataSchema = 'SessionDto'

  async run(): Promise<SessionDto> {
    const {args, flags} = await this.parse(SessionsGet)
    checkIntRange('timeout', flags.timeout, 1, 24 * 3600)
    checkNotBlank('save-key', flags['save-key'])
    const {client} = await this.connect(flags)
    const paths = appPaths()
    const session = await showSession(this.io, client, args.id, {
      watch: flags.watch,
      timeoutSeconds: flags.timeout,
      extraRows: async (shown) => [['Private key', await privateKeyLine(shown, paths, client)]],
    })
    await forgetKeysOfEnded([session], paths)
    if (flags['save-key']) {
      const saved = await saveSessionKey(sessionKeyPath(session.id, paths), flags['save-key'], {force: flags.force})
      this.narrate(`Saved its private key to ${saved} (0600).`)
    }
    return session
  }
}
