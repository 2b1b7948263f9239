import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {NODE_COLUMNS} from '../../src/cli/output/columns/nodes.js'
import {renderTable} from '../../src/cli/output/output.js'
import type {NodesReply} from '../../src/core/api/nodes.js'

export default class NodesList extends BaseCommand {
  static override summary = 'List the registered self-hosted nodes'
  static override description = "GPUS is ready/all as the last check found them. On a terminal a table; in a pipe tab-separated lines without a header, in the table's column order."
  static override examples = ['<%= config.bin %> nodes list', '<%= config.bin %> nodes list --json']

  static override flags = {...apiFlags}

  static override readonly dataSchema = 'NodesReply'

  async run(): Promise<NodesReply> {
    const {flags} = await this.parse(NodesList)
    const {client} = await this.connect(flags)
    const reply = await client.nodes.list()
    if (reply.nodes.length === 0) {
      this.narrate('No nodes. Register one of your servers with `gpu-shopper nodes add --name N --host H --user U --identity-file KEY --region R --price-per-gpu-hour P`.')
      return reply
    }
    this.out(await renderTable(NODE_COLUMNS, reply.nodes, {ctx: {now: this.now}}))
    return reply
  }
}
