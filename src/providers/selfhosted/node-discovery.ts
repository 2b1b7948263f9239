import type {NodeLibvirtSettings} from '../../core/node.js'
import {shellJoin} from '../../core/shell-quote.js'
import {HOST_PROBE_SCRIPT} from './host-probe-script.js'
import {parseHostProbe, type HostProbe} from './host-probe.js'
import {LIBVIRT_FACTS_SCRIPT} from './libvirt-facts-script.js'
import {parseLibvirtFacts, type LibvirtFacts} from './libvirt-facts.js'
import {NodeUnreachableError, type NodeShell} from './node-shell.js'

/** Everything a discovery read off a node: its PCI devices and VFIO facts, and libvirt's side. */
export interface NodeDiscovery {
  probe: HostProbe
  facts: LibvirtFacts
}

/**
 * Runs the host probe and the libvirt facts script on the node, over one connection. Both are
 * constant scripts on stdin; the only arguments are the validated libvirt names, quoted.
 */
export async function discoverNode(shell: NodeShell, libvirt: NodeLibvirtSettings): Promise<NodeDiscovery> {
  const probe = await shell.exec('sh -s', {stdin: HOST_PROBE_SCRIPT, timeoutMs: 60_000})
  if (probe.exitCode !== 0) throw new NodeUnreachableError(`the host probe exited with ${probe.exitCode} on the node: ${probe.stderr.trim().slice(0, 300)}`)
  const facts = await shell.exec(shellJoin(['sh', '-s', '--', libvirt.uri, libvirt.pool, libvirt.network]), {stdin: LIBVIRT_FACTS_SCRIPT, timeoutMs: 60_000})
  if (facts.exitCode !== 0) throw new NodeUnreachableError(`the libvirt facts script exited with ${facts.exitCode} on the node: ${facts.stderr.trim().slice(0, 300)}`)
  return {probe: parseHostProbe(probe.stdout), facts: parseLibvirtFacts(facts.stdout)}
}
