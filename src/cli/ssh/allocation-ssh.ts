import {access} from 'node:fs/promises'

import type {AppPaths} from '../../config/paths.js'
import type {AllocationDto} from '../../core/api/allocations.js'
import {sessionKeyPath} from './session-keys.js'
import {sshCommand} from '../output/session-summary.js'

/**
 * The OpenSSH command for an active allocation, with its private key when this machine created
 * it (the key lives under the allocation id, as for sessions); null until it has an address.
 */
export async function allocationSshCommand(allocation: Pick<AllocationDto, 'id' | 'connection'>, paths: AppPaths): Promise<string | null> {
  const c = allocation.connection
  if (!c) return null
  const keyPath = sessionKeyPath(allocation.id, paths)
  const haveKey = await access(keyPath).then(
    () => true,
    () => false,
  )
  return sshCommand({id: allocation.id, ssh_host: c.ssh_host, ssh_port: c.ssh_port, ssh_user: c.ssh_user, throughNode: c.via !== null}, haveKey ? keyPath : null)
}
