import type {DirectoryNode, NodeDirectory} from '../providers/selfhosted/node-directory.js'
import type {NodeDiscovery} from '../providers/selfhosted/node-discovery.js'
import {nodeReadiness} from '../providers/selfhosted/node-readiness.js'
import type {StoredNode} from '../store/nodes-repo.js'
import type {Store} from '../store/store.js'

/** The node registry as the selfhosted adapter reads it: discovered nodes, with the slots sessions hold. */
export function storeNodeDirectory(store: Store): NodeDirectory {
  const toDirectoryNode = (node: StoredNode): DirectoryNode | null => {
    const discovery = node.discovery as NodeDiscovery | null
    if (!discovery) return null
    return {
      endpoint: {name: node.name, host: node.host, port: node.port, user: node.user, identityFile: node.identityFile, hostKeyFingerprint: node.hostKey.fingerprint},
      hostPublicKey: node.hostKey.publicKey,
      libvirt: node.libvirt,
      discovery,
      capacity: {
        name: node.name,
        tenantId: node.tenantId ?? null,
        region: node.region,
        pricing: node.pricing,
        readiness: nodeReadiness(discovery, node.libvirt, node.user),
        cpus: discovery.facts.cpus,
        memoryMiB: Math.floor(discovery.facts.memTotalKiB / 1024),
        heldSlots: new Set(store.nodes.slots(node.id).map((s) => s.slot)),
      },
    }
  }
  return {
    nodes: () => store.nodes.list().flatMap((node) => toDirectoryNode(node) ?? []),
    node: (name) => {
      const node = store.nodes.byName(name)
      return node ? toDirectoryNode(node) : null
    },
    slotsOf: (sessionId) => {
      const held = store.nodes.slotsOfSession(sessionId)
      if (held.length === 0) return null
      const node = store.nodes.get(held[0]!.nodeId)
      return node ? {nodeName: node.name, slots: held.map((s) => s.slot)} : null
    },
  }
}
