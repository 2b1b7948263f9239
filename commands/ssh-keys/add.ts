import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {SSH_KEY_COLUMNS} from '../../src/cli/output/columns/ssh-keys.js'
import {renderTable} from '../../src/cli/output/output.js'
import {addSshKey, readPublicKeyInput} from '../../src/cli/ssh/ssh-keys.js'
import {checkNotBlank} from '../../src/cli/flags/validate.js'
import type {SshKeyDto} from '../../src/core/api/ssh-keys.js'

export default class SshKeysAdd extends BaseCommand {
  static override summary = 'Register an SSH public key to put on new sessions'
  static override description = 'Only the public key is sent. Pass its id to `provision --ssh-key-id` or `allocations create --ssh-key-id`.'
  static override aliases = ['iam:ssh-keys:add']
  static override examples = [
    '<%= config.bin %> ssh-keys add --title laptop-ed25519 --key "$(cat ~/.ssh/id_ed25519.pub)"',
    '<%= config.bin %> ssh-keys add --title laptop-ed25519 --key-file ~/.ssh/id_ed25519.pub',
  ]

  static override flags = {
    ...apiFlags,
    title: Flags.string({description: 'A name for the key, e.g. laptop-ed25519', required: true}),
    key: Flags.string({description: 'The public key line (`ssh-ed25519 AAAA... comment`)'}),
    'key-file': Flags.string({description: 'A public key file, e.g. ~/.ssh/id_ed25519.pub'}),
  }

  static override readonly dataSchema = 'SshKeyDto'

  async run(): Promise<SshKeyDto> {
    const {flags} = await this.parse(SshKeysAdd)
    checkNotBlank('title', flags.title)
    const publicKey = await readPublicKeyInput(flags)
    const {client} = await this.connect(flags)
    const key = await addSshKey(client, flags.title.trim(), publicKey)
    this.out(await renderTable(SSH_KEY_COLUMNS, [key], {ctx: {now: this.now}}))
    this.narrate(`Use it with: gpu-shopper provision ... --ssh-key-id ${key.id}`)
    return key
  }
}
