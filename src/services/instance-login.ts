import type {SshJump} from '../core/ssh-jump.js'
import {readIdentityFile} from '../ssh/identity-file.js'
import type {RemoteTarget} from '../ssh/run-command.js'
import type {ServiceContext} from './context.js'

/**
 * Where the daemon logs in to an instance with its own key: directly, or through the node in
 * front of it (its key read from where its owner keeps it). `hostKeyFingerprint` null trusts
 * and reports the key on first use (verification); every later login pins it.
 */
export async function instanceLogin(
  ctx: ServiceContext,
  ssh: {host: string; port: number; user: string; jump?: SshJump | null},
  hostKeyFingerprint: string | null,
): Promise<RemoteTarget> {
  const jump = ssh.jump
    ? {host: ssh.jump.host, port: ssh.jump.port, user: ssh.jump.user, hostKeyFingerprint: ssh.jump.hostKeyFingerprint, privateKey: await readIdentityFile(ssh.jump.identityFile)}
    : undefined
  return {host: ssh.host, port: ssh.port, user: ssh.user, privateKey: ctx.daemonKey.privateKey, hostKeyFingerprint, ...(jump ? {jump} : {})}
}
