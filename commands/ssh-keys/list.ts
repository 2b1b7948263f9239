import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {SSH_KEY_COLUMNS} from '../../src/cli/output/columns/ssh-keys.js'
import {renderTable} from '../../src/cli/output/output.js'
import type {SshKeysReply} from '../../src/core/api/ssh-keys.js'

export default class SshKeysList extends BaseCommand {
  static override summary = 'List the registered SSH public keys'
  static override description = 'On a terminal a table; in a pipe tab-separated lines without a header, in the table\'s column order.'
  static override aliases = ['iam:ssh-keys:list']
  static override examples = ['<%= config.bin %> ssh-keys list', '<%= config.bin %> iam ssh-keys list --json']

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'SshKeysReply'

  async run(): Promise<SshKeysReply> {
    const {flags} = await this.parse(SshKeysList)
    const {client} = await this.connect(flags)
    const reply = await client.sshKeys.list()
    if (reply.ssh_keys.length === 0) {
      this.narrate('No SSH keys. Add one with `gpu-shopper ssh-keys add --title T --key-file ~/.ssh/id_ed25519.pub`.')
      return reply
    }
    this.out(await renderTable(SSH_KEY_COLUMNS, reply.ssh_keys, {ctx: {now: this.now}}))
    return reply
  }
}
