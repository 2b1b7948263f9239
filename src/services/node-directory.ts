import type {DirectoryNode, NodeDirectory} from '../providers/selfhosted/node-directory.js'
import type {NodeDiscovery} from '../providers/selfhosted/node-discovery.js'
import {nodeReadiness} from '../providers/selfhosted/node-readiness.js'
import type {StoredNode} from '../store/nodes-repo.js'
import type {Store} from '../store/store.js'

/** The node registry as the selfhosted adapter reads it: discovered nodes, with the slots sessions hold. */
export function storeNodeDirectory(store: Store): NodeDirectory {
  const toDirectoryNode = async (node: StoredNode): Promise<DirectoryNode | null> => {
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
        heldSlots: new Set((await store.nodes.slots(node.id)).map((s) => s.slot)),
      },
    }
  }
  return {
    nodes: async () => {
      const out: DirectoryNode[] = []
      for (const node of await store.nodes.list()) {
        const known = await toDirectoryNode(node)
        if (known) out.push(known)
      }
      return out
    },
    node: async (name) => {
      const node = await store.nodes.byName(name)
      return node ? toDirectoryNode(node) : null
    },
    slotsOf: async (sessionId) => {
      const held = await store.nodes.slotsOfSession(sessionId)
      if (held.length === 0) return null
      const node = await store.nodes.get(held[0]!.nodeId)
      return node ? {nodeName: node.name, slots: held.map((s) => s.slot)} : null
    },
  }
}
