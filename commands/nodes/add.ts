import {Flags} from '@oclif/core'

import {BaseCommand, apiFlags} from '../../src/cli/base-command.js'
import {nodeBodyOf} from '../../src/cli/flags/node-input.js'
import {renderNodeReport} from '../../src/cli/output/node-report.js'
import {stdoutIsTty} from '../../src/cli/output/output.js'
import type {NodeDto} from '../../src/core/api/nodes.js'
import {DEFAULT_LIBVIRT} from '../../src/core/node.js'

export default class NodesAdd extends BaseCommand {
  static override summary = 'Register a GPU server of your own as a node to carve into VMs'
  static override description =
    'The daemon logs in over SSH with --identity-file (it keeps the path, never the key), pins the host key it is shown ' +
    '(or checks it against --trust-host-key), and reads the node: libvirt, CPUs, memory, storage pool, base images and GPUs ' +
    'with their passthrough readiness. A node that is not ready is registered all the same; the report says what to fix, ' +
    'and `nodes check` reads it again.'
  static override examples = [
    '<%= config.bin %> nodes add --name lab-1 --host 10.0.0.5 --user ops --identity-file ~/.ssh/id_ed25519 --region home-lab --price-per-gpu-hour 0.50',
    '<%= config.bin %> nodes add --name lab-1 --host 10.0.0.5 --user ops --identity-file ~/.ssh/id_ed25519 --region home-lab --price-per-gpu-hour 0.50 --trust-host-key SHA256:...',
    '<%= config.bin %> nodes add --name cpu-box --host 127.0.0.1 --user root --identity-file ~/.ssh/id_ed25519 --region local --price-per-gpu-hour 0 --cpu-slices 2 --cpu-slice-price 0.02',
  ]

  static override flags = {
    ...apiFlags,
    name: Flags.string({description: 'A name for the node: lowercase letters, digits and dashes', required: true}),
    host: Flags.string({description: 'Host name or IP address the daemon reaches the node at', required: true}),
    port: Flags.integer({description: 'SSH port', default: 22}),
    user: Flags.string({description: 'SSH user on the node (needs libvirt access: root, or a member of the libvirt group)', required: true}),
    'identity-file': Flags.string({description: 'Private key to log in with; the daemon reads it from this path', required: true}),
    region: Flags.string({description: 'Where the node is, shown with its offers (e.g. home-lab, eu-office)', required: true}),
    'price-per-gpu-hour': Flags.string({description: 'USD per GPU-hour a slice costs, e.g. 0.50', required: true}),
    'cpu-slices': Flags.integer({description: 'CPU-only VMs the node may run at once (0: none)', default: 0}),
    'cpu-slice-price': Flags.string({description: 'USD per hour a CPU-only slice costs', default: '0'}),
    'libvirt-uri': Flags.string({description: `libvirt connection on the node (default ${DEFAULT_LIBVIRT.uri})`}),
    'storage-pool': Flags.string({description: `libvirt storage pool for slice disks and base images (default ${DEFAULT_LIBVIRT.pool})`}),
    network: Flags.string({description: `libvirt network slices attach to (default ${DEFAULT_LIBVIRT.network})`}),
    'base-image': Flags.string({description: 'Pool volume slices start from (default: the first base image in the pool)'}),
    'virt-type': Flags.string({description: 'kvm, qemu (software emulation: slow, CPU-only slices) or auto (KVM where the node has it)', default: 'auto'}),
    'trust-host-key': Flags.string({description: 'Host key fingerprint to expect (SHA256:...); without it the key shown on first contact is pinned'}),
  }

  static override readonly dataSchema = 'NodeDto'

  async run(): Promise<NodeDto> {
    const {flags} = await this.parse(NodesAdd)
    const body = await this.checkFlags('No node was registered.', () => nodeBodyOf(flags))
    const {client} = await this.connect(flags)
    const node = await client.nodes.add(body)
    this.out(renderNodeReport(node, this.now, stdoutIsTty()))
    if (body.trust_host_key === undefined) {
      this.narrate(`Pinned host key ${node.host_key_fingerprint} as first seen. Compare it with \`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub\` on the node.`)
    }
    return node
  }
}
