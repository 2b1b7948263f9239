import type {SessionDto} from '../../core/api/sessions.js'

export type SshEndpoint = Pick<SessionDto, 'ssh_host' | 'ssh_port' | 'ssh_user'>

export interface SshArgvInput {
  host: string
  port: number
  user: string
  identityFile: string
  knownHostsFile: string
  /** `-L` specs, e.g. `8888:localhost:8888`. */
  forwards?: readonly string[]
  /** A remote command; none means an interactive shell. */
  command?: readonly string[]
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
  for (const forward of input.forwards ?? []) argv.push('-L', forward)
  argv.push(`${input.user}@${input.host}`)
  // `--` after the destination: the command's own flags are never read as ssh options.
  if (input.command && input.command.length > 0) argv.push('--', ...input.command)
  return argv
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
