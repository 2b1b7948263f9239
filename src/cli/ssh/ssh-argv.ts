import type {SessionDto} from '../../core/api/sessions.js'
import {shellJoin} from '../../core/shell-quote.js'

/** The node in front of a guest, logged in to with its key where this machine holds it. */
export interface NodeJump {
  kind: 'node'
  host: string
  port: number
  user: string
  identityFile: string
  /** `type base64`, pinned: the jump host is checked as strictly as the session's. */
  hostPublicKey: string
}

/**
 * The server carries the bytes to the guest (`gpu-shopper sessions tunnel`): for a team
 * server's sessions, whose node key stays on the server. SSH still runs end to end with the
 * guest, on this machine's key and the guest's pinned host key.
 */
export interface ServerTunnel {
  kind: 'server'
  /** The command that carries the connection on its stdin and stdout. */
  command: readonly string[]
}

export type SshJumpInput = NodeJump | ServerTunnel

export type SshEndpoint = Pick<SessionDto, 'ssh_host' | 'ssh_port' | 'ssh_user'>

export interface SshArgvInput {
  host: string
  port: number
  user: string
  identityFile: string
  knownHostsFile: string
  /** A host to go through first (a self-hosted node), logged in to with its own key. */
  jump?: SshJumpInput
  /** `-L` specs, e.g. `8888:localhost:8888`. */
  forwards?: readonly string[]
  /** A remote command; none means an interactive shell. */
  command?: readonly string[]
  /** Forward only (`-N`): no shell and no command, until interrupted. */
  noShell?: boolean
}

/** The port OpenSSH assumes; known_hosts names other ports as `[host]:port`. */
const DEFAULT_SSH_PORT = 22

/**
 * The system ssh's arguments (without `ssh` itself). IdentitiesOnly keeps the agent's keys out
 * (a server may refuse after too many tries), and StrictHostKeyChecking with our own
 * known_hosts file means the host key the daemon pinned is the only one accepted.
 */
export function sshArgv(input: SshArgvInput): string[] {
  const argv = [
    '-i',
    input.identityFile,
    '-p',
    String(input.port),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${input.knownHostsFile}`,
  ]
  if (input.jump) argv.push('-o', `ProxyCommand=${proxyCommand(input.jump, input.knownHostsFile)}`)
  for (const forward of input.forwards ?? []) argv.push('-L', forward)
  // ExitOnForwardFailure: a local port already taken is an error, not a silent shell without it.
  if ((input.forwards ?? []).length > 0) argv.push('-o', 'ExitOnForwardFailure=yes')
  if (input.noShell) argv.push('-N')
  argv.push(`${input.user}@${input.host}`)
  // `--` after the destination: the command's own flags are never read as ssh options.
  if (input.command && input.command.length > 0) argv.push('--', ...input.command)
  return argv
}

/**
 * The inner ssh that carries the connection through the jump host (`-W %h:%p`): its own key,
 * and the same pinned known_hosts file, which holds the jump host's key too. ProxyJump cannot
 * name a key for the jump host; ProxyCommand can. ssh runs it through a shell, hence the quoting.
 */
export function proxyCommand(jump: SshJumpInput, knownHostsFile: string): string {
  if (jump.kind === 'server') return shellJoin([...jump.command])
  return shellJoin([
    'ssh',
    '-i',
    jump.identityFile,
    '-p',
    String(jump.port),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHostsFile}`,
    '-o',
    'BatchMode=yes',
    '-W',
    '%h:%p',
    `${jump.user}@${jump.host}`,
  ])
}

/** `[host]:port type base64` (or `host type base64` on port 22), as OpenSSH writes known_hosts. */
export function knownHostsLine(host: string, port: number, hostPublicKey: string): string {
  const name = port === DEFAULT_SSH_PORT ? host : `[${host}]:${port}`
  const [type, base64] = hostPublicKey.trim().split(/\s+/)
  if (!type || !base64) throw new Error(`not a host public key: ${hostPublicKey}`)
  return `${name} ${type} ${base64}`
}

const FORWARD = /^(?:[\w.-]+:|\[[\da-fA-F:]+\]:)?\d{1,5}:(?:[\w.-]+|\[[\da-fA-F:]+\]):\d{1,5}$/

/** `[bind:]port:host:hostport` as `ssh -L` takes it (no sockets). */
export function isForwardSpec(spec: string): boolean {
  return FORWARD.test(spec)
}
