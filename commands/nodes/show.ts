import {Args} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {renderNodeReport} from '../../src/cli/output/node-report.js'
import {stdoutIsTty} from '../../src/cli/output/output.js'
import type {NodeDto} from '../../src/core/api/nodes.js'

export default class NodesShow extends BaseCommand {
  static override summary = 'Show a node: what it has, what holds it, and what to fix'
  static override description = 'As the last check found it; `nodes check` reads the node again.'
  static override examples = ['<%= config.bin %> nodes show lab-1', '<%= config.bin %> nodes show lab-1 --json']

  static override args = {name: Args.string({description: 'Node name (from `nodes list`)', required: true})}
  static override flags = {...apiFlags}

  static override readonly dataSchema = 'NodeDto'

  async run(): Promise<NodeDto> {
    const {args, flags} = await this.parse(NodesShow)
    const {client} = await this.connect(flags)
    const node = await client.nodes.get(args.name)
    this.out(renderNodeReport(node, this.now, stdoutIsTty()))
    return node
  }
}
