import {Args} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import type {NodeRemovedReply} from '../../src/core/api/nodes.js'

export default class NodesRemove extends BaseCommand {
  static override summary = 'Forget a node'
  static override description = 'Refused while a session runs on it: release those first. Nothing on the node itself is touched.'
  static override examples = ['<%= config.bin %> nodes remove lab-1']

  static override args = {name: Args.string({description: 'Node name (from `nodes list`)', required: true})}
  static override flags = {...apiFlags}

  static override readonly dataSchema = 'NodeRemovedReply'

  async run(): Promise<NodeRemovedReply> {
    const {args, flags} = await this.parse(NodesRemove)
    const {client} = await this.connect(flags)
    const reply = await client.nodes.remove(args.name)
    this.out(reply.message)
    return reply
  }
}
