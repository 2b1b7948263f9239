import {Args} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {renderNodeReport} from '../../src/cli/output/node-report.js'
import {stdoutIsTty} from '../../src/cli/output/output.js'
import type {NodeDto} from '../../src/core/api/nodes.js'

export default class NodesCheck extends BaseCommand {
  static override summary = 'Check a node again: libvirt, pool, base images, and GPU passthrough readiness'
  static override description =
    'Logs in over the pinned host key and reads the node again. For each GPU it says ready or not ready and the exact fix: ' +
    'IOMMU on, an isolated IOMMU group (or the whole group passed together), bound to vfio-pci, no host process using it, ' +
    'memory for the guest. Exits 0 whatever it finds; `--json` carries every finding.'
  static override examples = ['<%= config.bin %> nodes check lab-1', '<%= config.bin %> nodes check lab-1 --json']

  static override args = {name: Args.string({description: 'Node name (from `nodes list`)', required: true})}
  static override flags = {...apiFlags}

  static override readonly dataSchema = 'NodeDto'

  async run(): Promise<NodeDto> {
    const {args, flags} = await this.parse(NodesCheck)
    const {client} = await this.connect(flags)
    const node = await client.nodes.check(args.name)
    this.out(renderNodeReport(node, this.now, stdoutIsTty()))
    return node
  }
}
