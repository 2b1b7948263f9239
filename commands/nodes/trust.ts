import {Args, Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {flagError} from '../../src/cli/errors.js'
import {HOST_KEY_FINGERPRINT} from '../../src/cli/flags/node-input.js'
import type {NodeDto} from '../../src/core/api/nodes.js'

export default class NodesTrust extends BaseCommand {
  static override summary = "Pin a node's new host key after it was reinstalled or its keys were changed"
  static override description =
    'Check the fingerprint on the node itself first (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`). The daemon connects ' +
    'and pins the key only if the node presents exactly that one.'
  static override examples = ['<%= config.bin %> nodes trust lab-1 --host-key SHA256:Yx3...']

  static override args = {name: Args.string({description: 'Node name (from `nodes list`)', required: true})}
  static override flags = {
    ...apiFlags,
    'host-key': Flags.string({description: 'The fingerprint the node now presents (SHA256:...)', required: true}),
  }

  static override readonly dataSchema = 'NodeDto'

  async run(): Promise<NodeDto> {
    const {args, flags} = await this.parse(NodesTrust)
    this.checkFlags('Nothing was changed.', () => {
      if (!HOST_KEY_FINGERPRINT.test(flags['host-key'])) {
        throw flagError('host-key', 'must be a fingerprint as `ssh-keygen -lf` prints it: SHA256: and 43 base64 characters', 'On the node: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')
      }
    })
    const {client} = await this.connect(flags)
    const node = await client.nodes.trustHostKey(args.name, flags['host-key'])
    this.out(`Pinned ${node.host_key_fingerprint} for ${node.name}.`)
    return node
  }
}
