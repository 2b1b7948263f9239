import type {ApiClient} from '../../client/api-client.js'
import type {AppPaths} from '../../config/paths.js'
import type {SessionDto} from '../../core/api/sessions.js'
import {MAX_PAGE_SIZE} from '../../core/limits.js'
import {writeSessionKnownHosts} from './known-hosts.js'
import {sessionJump, type ServerTunnelCommand} from './session-jump.js'
import {localSessionKey} from './session-key-info.js'
import type {SshConfigEntry} from './ssh-config.js'

/** One entry per running session with a pinned endpoint, its known_hosts file written on the way. */
export async function runningSessionEntries(
  client: ApiClient,
  paths: AppPaths,
  viaServer: ServerTunnelCommand | null,
): Promise<{entries: SshConfigEntry[]; sessions: SessionDto[]}> {
  // One page at the API's limit: more running sessions than that at once is not a real case.
  const reply = await client.sessions.list({status: 'running', limit: MAX_PAGE_SIZE})
  const entries: SshConfigEntry[] = []
  const sessions: SessionDto[] = []
  for (const s of reply.sessions) {
    if (s.status !== 'running' || !s.ssh_host || !s.ssh_port || !s.ssh_host_public_key) continue
    const knownHostsFile = await writeSessionKnownHosts(
      {id: s.id, ssh_host: s.ssh_host, ssh_port: s.ssh_port, ssh_host_public_key: s.ssh_host_public_key, ssh_jump: s.ssh_jump},
      paths,
    )
    const jump = sessionJump(s, viaServer)
    entries.push({
      sessionId: s.id,
      host: s.ssh_host,
      port: s.ssh_port,
      user: s.ssh_user ?? 'root',
      identityFile: await localSessionKey(s.id, paths),
      knownHostsFile,
      ...(jump ? {jump} : {}),
    })
    sessions.push(s)
  }
  return {entries, sessions}
}
