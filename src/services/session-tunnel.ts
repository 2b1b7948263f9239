import {AppError} from '../core/errors.js'
import type {SshJump} from '../core/ssh-jump.js'
import {readIdentityFile} from '../ssh/identity-file.js'
import {openJumpTunnel, type JumpTunnel} from '../ssh/jump-tunnel.js'
import {sshFingerprint} from '../ssh/keys.js'
import type {ServiceContext} from './context.js'
import {getSession} from './session-service.js'

/** A running session behind a node: where its SSH is, and the node to go through. */
export interface TunnelTarget {
  sessionId: string
  host: string
  port: number
  jump: SshJump
}

/**
 * The guest a caller may open a tunnel to: their own running session behind a node. Checked
 * before the connection is upgraded, so a refusal is a plain JSON error.
 */
export async function sessionTunnelTarget(ctx: ServiceContext, sessionId: string): Promise<TunnelTarget> {
  const session = await getSession(ctx, sessionId)
  if (session.status !== 'running') {
    throw new AppError('conflict', `session ${session.id} is ${session.status}, not running: there is no SSH to reach`, {session_id: session.id, status: session.status})
  }
  if (!session.sshJump || !session.sshHost || !session.sshPort) {
    throw new AppError('conflict', `session ${session.id} is not behind a node: connect to its SSH address directly (\`gpu-shopper connect ${session.id}\`)`, {
      session_id: session.id,
    })
  }
  return {sessionId: session.id, host: session.sshHost, port: session.sshPort, jump: session.sshJump}
}

/**
 * A TCP channel from the session's node to the guest's SSH port, opened with the node's key
 * (which stays on the server). The caller's own SSH client talks to the guest through it end to
 * end, with its own key and the guest's pinned host key: the server only carries bytes.
 */
export async function openSessionTunnel(target: TunnelTarget): Promise<JumpTunnel> {
  const {jump} = target
  return openJumpTunnel(
    {
      host: jump.host,
      port: jump.port,
      user: jump.user,
      privateKey: await readIdentityFile(jump.identityFile),
      readyTimeoutMs: 20_000,
      acceptsHostKey: (key) => sshFingerprint(key) === jump.hostKeyFingerprint,
    },
    {host: target.host, port: target.port},
  )
}
