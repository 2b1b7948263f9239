import {chmod, lstat, mkdir, rename, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {readIfExists} from './read-if-exists.js'
import {proxyCommand, type SshJumpInput} from './ssh-argv.js'

/** One `Host gpu-<session id>` block. */
export interface SshConfigEntry {
  sessionId: string
  host: string
  port: number
  user: string
  /** Null when this machine has no private key for the session (it was created elsewhere). */
  identityFile: string | null
  knownHostsFile: string
  /** A self-hosted node SSH goes through to reach the guest. */
  jump?: SshJumpInput
}

/** The line added to ~/.ssh/config; `~` so the file stays valid if the home directory moves. */
export const INCLUDE_LINE = 'Include ~/.ssh/gpu-shopper.config'

export function sshConfigAlias(sessionId: string): string {
  return `gpu-${sessionId}`
}

/** ssh_config splits on whitespace; a path with spaces (or quotes) needs double quotes. */
function configValue(value: string): string {
  return /[\s"]/.test(value) ? `"${value.replaceAll('"', '\\"')}"` : value
}

/** The whole gpu-shopper.config: a header and one block per session, in the order given. */
export function renderSshConfig(entries: readonly SshConfigEntry[]): string {
  const lines = [
    '# Written by `gpu-shopper ssh-config`: one block per running session.',
    '# Rewritten on every run (ended sessions disappear): edit ~/.ssh/config instead.',
  ]
  for (const entry of entries) {
    lines.push('', `Host ${sshConfigAlias(entry.sessionId)}`)
    lines.push(`  HostName ${entry.host}`, `  Port ${entry.port}`, `  User ${entry.user}`)
    if (entry.identityFile) lines.push(`  IdentityFile ${configValue(entry.identityFile)}`)
    else lines.push('  # No private key for this session on this machine: add IdentityFile <your registered key>')
    lines.push(
      `  UserKnownHostsFile ${configValue(entry.knownHostsFile)}`,
      '  StrictHostKeyChecking yes',
      '  IdentitiesOnly yes',
    )
    // ProxyCommand is run by a shell: it needs shell quoting, not ssh_config quoting.
    if (entry.jump) lines.push(`  ProxyCommand ${proxyCommand(entry.jump, entry.knownHostsFile)}`)
  }
  return `${lines.join('\n')}\n`
}

/** True when ~/.ssh/config already includes our file (however the path is spelled). */
export function hasInclude(config: string): boolean {
  return config.split(/\r?\n/).some((line) => /^\s*Include\s+.*gpu-shopper\.config\s*$/i.test(line))
}

/**
 * ~/.ssh/config with our Include as its first line. It must come before any `Host` or `Match`
 * line: there it would only apply inside that block. Everything else is kept byte for byte.
 */
export function withInclude(config: string): string {
  if (hasInclude(config)) return config
  return `${INCLUDE_LINE}\n${config === '' || config.startsWith('\n') ? '' : '\n'}${config}`
}

export interface SshConfigPaths {
  sshDir: string
  /** ~/.ssh/gpu-shopper.config */
  ownFile: string
  /** ~/.ssh/config */
  userConfig: string
}

export function sshConfigPaths(env: NodeJS.ProcessEnv = process.env): SshConfigPaths {
  const home = env.HOME || homedir()
  const sshDir = join(home, '.ssh')
  return {sshDir, ownFile: join(sshDir, 'gpu-shopper.config'), userConfig: join(sshDir, 'config')}
}

export interface SshConfigWritten {
  file: string
  hosts: string[]
  /** ~/.ssh/config includes our file (now, or it did already). */
  included: boolean
  /** This run added the Include line. */
  includeAdded: boolean
}

/** Written next to the target and renamed over it, so ssh never reads a half-written file. */
async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const temp = `${file}.gpu-shopper-${process.pid}.tmp`
  await writeFile(temp, text, {mode})
  await chmod(temp, mode)
  await rename(temp, file)
}

/**
 * Rewrites our own file and, only when `mayEditUserConfig` (consent was given), adds the Include
 * to ~/.ssh/config once. The user's own entries are never rewritten.
 */
export async function writeSshConfig(
  entries: readonly SshConfigEntry[],
  options: {paths: SshConfigPaths; mayEditUserConfig: () => Promise<boolean>},
): Promise<SshConfigWritten> {
  const {sshDir, ownFile, userConfig} = options.paths
  await mkdir(sshDir, {recursive: true, mode: 0o700})
  await chmod(sshDir, 0o700)
  await writeAtomic(ownFile, renderSshConfig(entries), 0o600)
  const hosts = entries.map((e) => sshConfigAlias(e.sessionId))

  const current = await readIfExists(userConfig)
  if (current !== null && hasInclude(current)) return {file: ownFile, hosts, included: true, includeAdded: false}
  if (!(await options.mayEditUserConfig())) return {file: ownFile, hosts, included: false, includeAdded: false}
  const updated = withInclude(current ?? '')
  // A dotfile manager's symlink must stay a symlink: write through it instead of renaming over it.
  const isLink = current !== null && (await lstat(userConfig)).isSymbolicLink()
  if (isLink) await writeFile(userConfig, updated)
  else await writeAtomic(userConfig, updated, 0o600)
  return {file: ownFile, hosts, included: true, includeAdded: true}
}
