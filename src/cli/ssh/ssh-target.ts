import type {ApiClient} from '../../client/api-client.js'
import type {AppPaths} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'
import {withFix} from '../failure.js'
import {writeSessionKnownHosts} from './known-hosts.js'
import {isReadable} from './read-if-exists.js'
import {handDownRetryKey} from './retry-keys.js'
import {sessionKeyPath} from './session-keys.js'
import type {SshJumpInput} from './ssh-argv.js'
import {sessionJump, type ServerTunnelCommand} from './session-jump.js'

/** Everything needed to reach a running session over SSH with its host key pinned. */
export interface SshTarget {
  session: SessionDto
  host: string
  port: number
  user: string
  identityFile: string
  knownHostsFile: string
  hostPublicKey: string
  /** A self-hosted node SSH goes through to reach its guest. */
  jump?: SshJumpInput
}


/** Why a session cannot be reached now, and what to do about it. */
export function notRunningError(session: Pick<SessionDto, 'id' | 'status'>): UserError {
  const waiting = session.status === 'pending' || session.status === 'provisioning'
  return new UserError(`Session ${session.id} is ${session.status}, not running, so there is nothing to connect to.`, {
    errorType: 'conflict',
    exitCode: EXIT.CONFLICT,
    fix: waiting
      ? `Wait until it runs with \`gpu-shopper sessions get ${session.id} --watch\`, then connect again.`
      : `It has ended; rent a new one with \`gpu-shopper provision\` (see \`gpu-shopper inventory\`).`,
    details: {session_id: session.id, status: session.status},
  })
}

export async function fetchSession(client: ApiClient, id: string): Promise<SessionDto> {
  try {
    return await client.sessions.get(id)
  } catch (err) {
    throw withFix(err, {not_found: `No session ${id}. List yours with \`gpu-shopper sessions\`.`})
  }
}

/**
 * The session's SSH endpoint, its private key (ours, or `identity` for a registered key) and a
 * known_hosts file holding exactly the host key the daemon verified.
 */
export async function resolveSshTarget(
  session: SessionDto,
  paths: AppPaths,
  options: {identity?: string; viaServer?: ServerTunnelCommand | null; lookup?: (id: string) => Promise<Pick<SessionDto, 'retry_of'> | null>} = {},
): Promise<SshTarget> {
  if (session.status !== 'running') throw notRunningError(session)
  if (!session.ssh_host || !session.ssh_port || !session.ssh_host_public_key) {
    throw new UserError(`Session ${session.id} is running but has no pinned SSH endpoint yet.`, {
      errorType: 'conflict',
      exitCode: EXIT.CONFLICT,
      fix: `Try again in a few seconds; \`gpu-shopper sessions get ${session.id}\` shows its SSH address once known.`,
    })
  }
  // A retry's key is its first try's (auto-retry), handed down if this machine has it.
  if (!options.identity) await handDownRetryKey(session, paths, options.lookup)
  const identityFile = options.identity ?? sessionKeyPath(session.id, paths)
  if (!(await isReadable(identityFile))) {
    throw new UserError(
      options.identity
        ? `--identity ${options.identity} cannot be read.`
        : `No private key for session ${session.id} on this machine (looked in ${identityFile}).`,
      {
        errorType: 'usage_error',
        exitCode: EXIT.USAGE,
        fix: options.identity
          ? 'Give the private key whose public half you registered with `gpu-shopper ssh-keys add`.'
          : 'The session was probably created on another machine or by another user: pass --identity with the private key of an SSH key registered on it (`provision --ssh-key-id`), or copy its key with `gpu-shopper sessions get ID --save-key PATH` where it was created.',
      },
    )
  }
  const knownHostsFile = await writeSessionKnownHosts(
    {id: session.id, ssh_host: session.ssh_host, ssh_port: session.ssh_port, ssh_host_public_key: session.ssh_host_public_key, ssh_jump: session.ssh_jump},
    paths,
  )
  const jump = sessionJump(session, options.viaServer ?? null)
  return {
    session,
    host: session.ssh_host,
    port: session.ssh_port,
    user: session.ssh_user ?? 'root',
    identityFile,
    knownHostsFile,
    hostPublicKey: session.ssh_host_public_key,
    ...(jump ? {jump} : {}),
  }
}
