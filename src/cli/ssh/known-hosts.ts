import {chmod, mkdir, writeFile} from 'node:fs/promises'
import {join} from 'node:path'

import type {AppPaths} from '../../config/paths.js'
import {knownHostsLine} from './ssh-argv.js'

function knownHostsDir(paths: AppPaths): string {
  return join(paths.data, 'known_hosts')
}

/** One known_hosts file per session, so pinning one host never touches the user's ~/.ssh/known_hosts. */
export function sessionKnownHostsPath(sessionId: string, paths: AppPaths): string {
  return join(knownHostsDir(paths), sessionId.replace(/[^\w.-]/g, '_'))
}

/** (Re)writes the session's known_hosts file from the host key the daemon pinned; 0600 in a 0700 directory. */
export async function writeSessionKnownHosts(
  session: {id: string; ssh_host: string; ssh_port: number; ssh_host_public_key: string},
  paths: AppPaths,
): Promise<string> {
  const dir = knownHostsDir(paths)
  await mkdir(dir, {recursive: true, mode: 0o700})
  await chmod(dir, 0o700)
  const file = sessionKnownHostsPath(session.id, paths)
  await writeFile(file, `${knownHostsLine(session.ssh_host, session.ssh_port, session.ssh_host_public_key)}\n`, {mode: 0o600})
  await chmod(file, 0o600)
  return file
}
