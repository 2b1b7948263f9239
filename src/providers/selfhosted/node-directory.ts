import type {NodeLibvirtSettings} from '../../core/node.js'
import type {NodeDiscovery} from './node-discovery.js'
import type {NodeCapacity} from './node-offers.js'
import type {NodeEndpoint} from './node-connection.js'

/** A node as the selfhosted provider sees it: how to reach it, what it has now, its libvirt names. */
export interface DirectoryNode {
  endpoint: NodeEndpoint
  /** The node's pinned host key, `type base64`. */
  hostPublicKey: string
  libvirt: NodeLibvirtSettings
  capacity: NodeCapacity
  discovery: NodeDiscovery
}

/**
 * What the selfhosted adapter reads of the node registry: registered, discovered nodes with
 * their capacity (slots held subtracted), and which slots a session holds. It is the adapter's
 * only view of the registry (the daemon implements it over its store), so that the provider
 * stays a provider: it is told, it does not query.
 */
export interface NodeDirectory {
  nodes(): Promise<DirectoryNode[]>
  node(name: string): Promise<DirectoryNode | null>
  slotsOf(sessionId: string): Promise<{nodeName: string; slots: string[]} | null>
}
