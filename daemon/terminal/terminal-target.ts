import {AppError} from '../../src/core/errors.js'
import {ALLOCATION_STATUS} from '../../src/core/session-status.js'
import type {SshJump} from '../../src/core/ssh-jump.js'
import type {StoredSession} from '../../src/store/sessions-repo.js'

/** Where the relay logs in: the session's instance, verified against the host key pinned at provisioning. */
export interface TerminalTarget {
  sessionId: string
  host: string
  port: number
  user: string
  hostKeyFingerprint: string
  /** The self-hosted node to go through, when the instance is a guest behind it. */
  jump: SshJump | null
}

/** Which vocabulary the caller used, so the message speaks it back (`allocation … is releasing`). */
export type TerminalNoun = 'session' | 'allocation'

/**
 * The instance of a running session, or a 409 that says what state the session is in and what
 * to do instead. Checked when a token is minted and again when it is used: a session can stop
 * in between.
 */
export function terminalTargetOf(session: StoredSession, noun: TerminalNoun = 'session'): TerminalTarget {
  const label = `${noun} ${session.id}`
  const state = noun === 'allocation' ? ALLOCATION_STATUS[session.status] : session.status
  const details = {session_id: session.id, status: state}
  switch (session.status) {
    case 'running':
      break
    case 'pending':
    case 'provisioning':
      throw new AppError(
        'conflict',
        `${label} is ${state}: a terminal opens only once it is running; wait for it (\`gpu-shopper ${noun}s get ${session.id}\`) and mint a token again`,
        details,
      )
    case 'stopping':
      throw new AppError('conflict', `${label} is ${state}: its instance is being destroyed, so there is no shell to open; create a new ${noun}`, details)
    default:
      throw new AppError('conflict', `${label} is ${state}: it has no instance any more, so there is no shell to open; create a new ${noun}`, details)
  }
  const {sshHost, sshPort, sshUser, sshHostKeyFingerprint} = session
  // A running session always has these; refusing beats connecting to an unverified host.
  if (!sshHost || !sshPort || !sshUser || !sshHostKeyFingerprint) {
    throw new AppError('conflict', `${label} is running but its SSH endpoint or host key is not recorded yet; try again in a few seconds`, details)
  }
  return {sessionId: session.id, host: sshHost, port: sshPort, user: sshUser, hostKeyFingerprint: sshHostKeyFingerprint, jump: session.sshJump ?? null}
}
