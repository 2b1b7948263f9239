import {fileURLToPath} from 'node:url'

import type {SessionDto} from '../../core/api/sessions.js'
import type {SshJumpInput} from './ssh-argv.js'

/** The command that carries one session's SSH through the server (see `sessions tunnel`). */
export type ServerTunnelCommand = (sessionId: string) => readonly string[]

/**
 * How ssh on this machine gets through a session's node: with the node's key, which the local
 * daemon keeps where this user can read it; or, for a team server (whose node keys never leave
 * it), through the server itself.
 */
export function sessionJump(session: Pick<SessionDto, 'id' | 'ssh_jump'>, viaServer: ServerTunnelCommand | null): SshJumpInput | undefined {
  const jump = session.ssh_jump
  if (!jump) return undefined
  if (viaServer) return {kind: 'server', command: viaServer(session.id)}
  return {kind: 'node', host: jump.host, port: jump.port, user: jump.user, identityFile: jump.identity_file, hostPublicKey: jump.host_public_key}
}

/** For a remote server: the tunnel carrier (tunnel-main.js) under this same Node. */
export function serverTunnelFor(connection: {mode: 'local' | 'remote'; baseUrl: string}): ServerTunnelCommand | null {
  if (connection.mode !== 'remote') return null
  const carrier = fileURLToPath(new URL('./tunnel-main.js', import.meta.url))
  return (sessionId) => [process.execPath, carrier, sessionId, connection.baseUrl]
}
