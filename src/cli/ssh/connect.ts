import type {ApiClient} from '../../client/api-client.js'
import {ApiError} from '../../client/errors.js'
import type {AppPaths} from '../../config/paths.js'
import type {TerminalTokenReply} from '../../core/api/terminal.js'
import {flagError} from '../errors.js'
import {shellJoin} from '../../core/shell-quote.js'
import {isForwardSpec, sshArgv} from './ssh-argv.js'
import type {ServerTunnelCommand} from './session-jump.js'
import {fetchSession, notRunningError, resolveSshTarget, type SshTarget} from './ssh-target.js'

export interface ConnectPlan {
  target: SshTarget
  /** ssh's arguments, without `ssh`. */
  argv: string[]
  /** The same as one line to paste into a shell. */
  printable: string
}

export function checkForwards(forwards: readonly string[]): void {
  for (const spec of forwards) {
    if (!isForwardSpec(spec)) throw flagError('forward', `"${spec}" is not [bind:]port:host:hostport`, 'e.g. --forward 8888:localhost:8888')
  }
}

/** Fetches the session, checks it can be reached and builds the ssh command for it. */
export async function planSshConnect(
  client: ApiClient,
  id: string,
  paths: AppPaths,
  options: {identity?: string; forwards?: readonly string[]; command?: readonly string[]; viaServer?: ServerTunnelCommand | null},
): Promise<ConnectPlan> {
  checkForwards(options.forwards ?? [])
  const session = await fetchSession(client, id)
  const target = await resolveSshTarget(session, paths, {identity: options.identity, viaServer: options.viaServer})
  const argv = sshArgv({...target, forwards: options.forwards, command: options.command})
  return {target, argv, printable: shellJoin(['ssh', ...argv])}
}

/** A browser-terminal ticket; a session that is not running is explained, not a bare 409. */
export async function mintTerminalToken(client: ApiClient, id: string): Promise<TerminalTokenReply> {
  try {
    return await client.sessions.terminalToken(id)
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) {
      const session = await fetchSession(client, id)
      if (session.status !== 'running') throw notRunningError(session)
    }
    throw err
  }
}
