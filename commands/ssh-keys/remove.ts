import {Args} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {removeSshKey} from '../../src/cli/ssh/ssh-keys.js'

export default class SshKeysRemove extends BaseCommand {
  static override summary = 'Remove a registered SSH public key'
  static override description = 'Sessions already set up with it keep it until they are released; new sessions no longer get it.'
  static override aliases = ['iam:ssh-keys:remove']
  static override examples = ['<%= config.bin %> ssh-keys remove ssh-key-7f2e01']

  static override args = {id: Args.string({description: 'SSH key id (from `ssh-keys list`)', required: true})}
  static override flags = {...apiFlags}

  static override readonly dataSchema = 'SshKeyRemovedReply'

  async run(): Promise<{message: string; id: string}> {
    const {args, flags} = await this.parse(SshKeysRemove)
    const {client} = await this.connect(flags)
    const reply = await removeSshKey(client, args.id)
    this.out(reply.message)
    return reply
  }
}
