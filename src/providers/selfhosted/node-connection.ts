import {readIdentityFile} from '../../ssh/identity-file.js'
import {NodeShell, NodeUnreachableError} from './node-shell.js'

/** Where a node is and how we log in: the identity file is read at each connection, never kept. */
export interface NodeEndpoint {
  name: string
  host: string
  port: number
  user: string
  identityFile: string
  /** Null on first contact only. */
  hostKeyFingerprint: string | null
}

export async function connectToNode(endpoint: NodeEndpoint): Promise<NodeShell> {
  const privateKey = await readIdentityFile(endpoint.identityFile)
  return NodeShell.open({host: endpoint.host, port: endpoint.port, user: endpoint.user, privateKey, hostKeyFingerprint: endpoint.hostKeyFingerprint})
}

/** Opens a connection, runs `use`, and always closes it. */
export async function withNode<T>(endpoint: NodeEndpoint, use: (shell: NodeShell) => Promise<T>): Promise<T> {
  const shell = await connectToNode(endpoint)
  try {
    return await use(shell)
  } finally {
    shell.close()
  }
}

export {NodeUnreachableError}
export {IdentityFileError} from '../../ssh/identity-file.js'
