import {chmod, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {AppPaths} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {knownHostsLine} from './ssh-argv.js'

function knownHostsDir(paths: AppPaths): string {
  return join(paths.data, 'known_hosts')
}

/** One known_hosts file per session, so pinning one host never touches the user's ~/.ssh/known_hosts. */
export function sessionKnownHostsPath(sessionId: string, paths: AppPaths): string {
  return join(knownHostsDir(paths), sessionId.replace(/[^\w.-]/g, '_'))
}

/**
 * (Re)writes the session's known_hosts file from the host key the daemon pinned, and the jump
 * host's when SSH goes through one; 0600 in a 0700 directory.
 */
export async function writeSessionKnownHosts(
  session: {id: string; ssh_host: string; ssh_port: number; ssh_host_public_key: string; ssh_jump?: SessionDto['ssh_jump']},
  paths: AppPaths,
): Promise<string> {
  const dir = knownHostsDir(paths)
  await mkdir(dir, {recursive: true, mode: 0o700})
  await chmod(dir, 0o700)
  const file = sessionKnownHostsPath(session.id, paths)
  const lines = [knownHostsLine(session.ssh_host, session.ssh_port, session.ssh_host_public_key)]
  const jump = session.ssh_jump
  if (jump) lines.push(knownHostsLine(jump.host, jump.port, jump.host_public_key))
  await writeFile(file, `${lines.join('\n')}\n`, {mode: 0o600})
  await chmod(file, 0o600)
  return file
}
