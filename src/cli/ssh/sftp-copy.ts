import {spawn} from 'node:child_process'
import {readFile, stat} from 'node:fs/promises'
import {Duplex} from 'node:stream'
import {basename, join, posix} from 'node:path'

import type {Client, ClientChannel, SFTPWrapper, Stats} from 'ssh2'

import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'
import type {CopyPlan} from './copy-spec.js'
import {isLocalFileError, localFileError} from '../flags/local-path.js'
import type {SshTarget} from './ssh-target.js'

export interface CopyOutcome {
  direction: 'upload' | 'download'
  local: string
  remote: string
  bytes: number
}

export type Progress = (transferred: number, total: number) => void

/** ssh2's connect deadline; a simulated or real host answers in well under this. */
const READY_TIMEOUT_MS = 20_000

/** Opens an SFTP channel to the target; only the host key the daemon verified is accepted. */
async function openSftp(target: SshTarget): Promise<{client: Client; sftp: SFTPWrapper}> {
  // ssh2 is heavy (crypto, protocol tables): only `copy` pays for it.
  const {default: ssh2} = await import('ssh2')
  const privateKey = await readFile(target.identityFile)
  const pinned = Buffer.from(target.hostPublicKey.trim().split(/\s+/)[1] ?? '', 'base64')
  const client = new ssh2.Client()
  return new Promise((resolve, reject) => {
    let hostKeyMismatch = false
    client.on('error', (err) => {
      reject(
        hostKeyMismatch
          ? new UserError(`The host key of ${target.host}:${target.port} is not the one the daemon verified; nothing was copied.`, {
              errorType: 'host_key_mismatch',
              exitCode: EXIT.CONFLICT,
              fix: `Check the session with \`gpu-shopper sessions get ${target.session.id}\`; do not copy secrets to it until this is explained.`,
            })
          : new Error(`SFTP to ${target.host}:${target.port} failed: ${err.message}`),
      )
    })
    client.on('ready', () => {
      client.sftp((err, sftp) => {
        if (err) {
          client.end()
          reject(new Error(`the host refused SFTP: ${err.message}`))
        } else resolve({client, sftp})
      })
    })
    const connect = (sock?: ClientChannel | Duplex) =>
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey,
        readyTimeout: READY_TIMEOUT_MS,
        ...(sock ? {sock} : {}),
        // ssh2 accepts any host key without a verifier: compare with the pinned key byte for byte.
        hostVerifier: (key: Buffer) => {
          hostKeyMismatch = !(pinned.length > 0 && key.equals(pinned))
          return !hostKeyMismatch
        },
      })
    if (!target.jump) return connect()
    const jump = target.jump
    if (jump.kind === 'server') {
      // The same carrier system ssh runs as its ProxyCommand, its stdio the connection.
      const [command, ...args] = jump.command
      const carrier = spawn(command!, args, {stdio: ['pipe', 'pipe', 'inherit']})
      carrier.once('error', (err) => reject(new Error(`the tunnel through the server did not start: ${err.message}`)))
      client.on('close', () => carrier.kill())
      return connect(Duplex.from({readable: carrier.stdout, writable: carrier.stdin}))
    }
    const jumpPinned = Buffer.from(jump.hostPublicKey.trim().split(/\s+/)[1] ?? '', 'base64')
    const jumpKey = readFile(jump.identityFile).catch((err: Error) => {
      throw new Error(`the node's identity file ${jump.identityFile} cannot be read: ${err.message}`)
    })
    Promise.all([jumpKey, import('../../ssh/jump-tunnel.js')])
      .then(([privateKey, {openJumpTunnel}]) =>
        openJumpTunnel(
          {
            host: jump.host,
            port: jump.port,
            user: jump.user,
            privateKey,
            readyTimeoutMs: READY_TIMEOUT_MS,
            acceptsHostKey: (key) => jumpPinned.length > 0 && key.equals(jumpPinned),
          },
          {host: target.host, port: target.port},
        ),
      )
      .then(
        (tunnel) => {
          client.on('close', () => tunnel.client.end())
          connect(tunnel.stream)
        },
        reject,
      )
  })
}

const remoteStat = (sftp: SFTPWrapper, path: string) =>
  new Promise<Stats | null>((resolve) => sftp.stat(path, (err, stats) => resolve(err ? null : stats)))

const realpath = (sftp: SFTPWrapper, path: string) =>
  new Promise<string>((resolve, reject) => sftp.realpath(path, (err, resolved) => (err ? reject(err) : resolve(resolved))))

async function localStat(path: string) {
  return stat(path).catch(() => null)
}

/** Uploads or downloads one file over SFTP, like scp: a directory as destination keeps the file's name. */
export async function sftpCopy(plan: CopyPlan, target: SshTarget, onProgress?: Progress): Promise<CopyOutcome> {
  const {client, sftp} = await openSftp(target)
  try {
    const step = (transferred: number, _chunk: number, total: number) => onProgress?.(transferred, total)
    if (plan.direction === 'upload') {
      const local = await localStat(plan.local)
      if (!local?.isFile()) throw new UserError(`${plan.local} is not a file here; nothing was copied.`, {errorType: 'usage_error', exitCode: EXIT.USAGE})
      let remote = await realpath(sftp, plan.remote === '' ? '.' : plan.remote).catch(() => plan.remote)
      if (plan.remote === '' || plan.remote.endsWith('/') || (await remoteStat(sftp, remote))?.isDirectory()) remote = posix.join(remote, basename(plan.local))
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(plan.local, remote, {step}, (err) => (err ? reject(isLocalFileError(err) ? localFileError('SRC', plan.local, err, 'nothing was copied') : remoteError(err, remote)) : resolve())),
      )
      return {direction: 'upload', local: plan.local, remote, bytes: local.size}
    }
    const remote = await realpath(sftp, plan.remote === '' ? '.' : plan.remote).catch(() => plan.remote)
    const stats = await remoteStat(sftp, remote)
    if (!stats) throw new UserError(`${plan.sessionId}:${plan.remote} does not exist; nothing was copied.`, {errorType: 'not_found', exitCode: EXIT.NOT_FOUND})
    if (stats.isDirectory()) throw new UserError(`${plan.sessionId}:${plan.remote} is a directory; copy copies one file.`, {errorType: 'usage_error', exitCode: EXIT.USAGE})
    let local = plan.local
    if ((await localStat(local))?.isDirectory()) local = join(local, posix.basename(remote))
    await new Promise<void>((resolve, reject) =>
      sftp.fastGet(remote, local, {step}, (err) => (err ? reject(isLocalFileError(err) ? localFileError('DST', local, err, 'the copy may be incomplete') : remoteError(err, remote)) : resolve())),
    )
    return {direction: 'download', local, remote, bytes: stats.size}
  } finally {
    sftp.end()
    client.end()
  }
}

function remoteError(err: Error, path: string): Error {
  return new UserError(`Copy failed at ${path}: ${err.message}. The destination may be incomplete.`, {errorType: 'copy_failed', exitCode: EXIT.INTERNAL})
}

/** `  123.4 KB / 200.0 KB  61%`, redrawn in place on a terminal. */
export function progressLine(transferred: number, total: number): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`
  const percent = total > 0 ? Math.floor((transferred / total) * 100) : 100
  return `  ${kb(transferred)} / ${kb(total)}  ${percent}%`
}
