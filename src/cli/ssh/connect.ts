import type {ApiClient} from '../../client/api-client.js'
import {ApiError} from '../../client/errors.js'
import type {AppPaths} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import type {TerminalTokenReply} from '../../core/api/terminal.js'
import {flagError} from '../errors.js'
import {shellJoin} from '../../core/shell-quote.js'
import {isForwardSpec, sshArgv} from './ssh-argv.js'
import type {ServerTunnelCommand} from './session-jump.js'
import {fetchSession, notRunningError, resolveSshTarget, type SshTarget} from './ssh-target.js'

export interface ConnectPlan {
  target: SshTarget
  /** What `--forward api` offers on this machine: the session's api_endpoint, through SSH. */
  localApi: string | null
  /** ssh's arguments, without `ssh`. */
  argv: string[]
  /** The same as one line to paste into a shell. */
  printable: string
}

const API_FORWARD = /^api(?::(\d{1,5}))?$/
const PORT_ONLY = /^\d{1,5}$/

/**
 * `-L` specs from what the user wrote: ssh's own `[bind:]port:host:hostport`, a bare PORT (the
 * instance's port on the same local port), or `api[:LOCAL]`, the port behind the session's
 * api_endpoint. Forwards bind the loopback address only.
 */
export function expandForwards(forwards: readonly string[], session: Pick<SessionDto, 'id' | 'launch'>): {specs: string[]; localApi: string | null} {
  let localApi: string | null = null
  const specs = forwards.map((spec) => {
    const api = API_FORWARD.exec(spec)
    if (api) {
      const port = session.launch?.expose[0]
      if (port === undefined) throw flagError('forward', `${session.id} publishes no port, so it has no api_endpoint to forward`, 'give the instance port instead, e.g. --forward 8000')
      const local = api[1] === undefined ? port : checkedPort(api[1])
      localApi = `http://127.0.0.1:${local}`
      return `127.0.0.1:${local}:127.0.0.1:${port}`
    }
    if (PORT_ONLY.test(spec)) {
      const port = checkedPort(spec)
      return `127.0.0.1:${port}:127.0.0.1:${port}`
    }
    if (!isForwardSpec(spec)) throw flagError('forward', `"${spec}" is not [bind:]port:host:hostport, a port, or api[:LOCAL_PORT]`, 'e.g. --forward 8888:localhost:8888, --forward 8000 or --forward api')
    return spec
  })
  return {specs, localApi}
}

function checkedPort(text: string): number {
  const port = Number(text)
  if (port < 1 || port > 65_535) throw flagError('forward', `${text} is not a port number (1-65535)`)
  return port
}

/** Fetches the session, checks it can be reached and builds the ssh command for it. */
export async function planSshConnect(
  client: ApiClient,
  id: string,
  paths: AppPaths,
  options: {identity?: string; forwards?: readonly string[]; command?: readonly string[]; noShell?: boolean; viaServer?: ServerTunnelCommand | null},
): Promise<ConnectPlan> {
  const session = await fetchSession(client, id)
  const {specs, localApi} = expandForwards(options.forwards ?? [], session)
  const target = await resolveSshTarget(session, paths, {identity: options.identity, viaServer: options.viaServer, lookup: (previous) => client.sessions.get(previous)})
  const argv = sshArgv({...target, forwards: specs, command: options.command, noShell: options.noShell})
  return {target, localApi, argv, printable: shellJoin(['ssh', ...argv])}
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
