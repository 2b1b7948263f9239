import ssh2 from 'ssh2'

import {openJumpTunnel} from './jump-tunnel.js'
import {publicKeyLine} from './key-blob.js'
import {sshFingerprint} from './keys.js'

export interface RemoteTarget {
  host: string
  port: number
  user: string
  privateKey: string
  /**
   * `SHA256:...` of the host key to accept. When null the key is accepted and reported back
   * (trust on first use at verification); every later connection pins it.
   */
  hostKeyFingerprint: string | null
  /** A host to go through (a self-hosted node in front of its guests), its own key pinned. */
  jump?: JumpHost
}

export interface JumpHost {
  host: string
  port: number
  user: string
  privateKey: string
  hostKeyFingerprint: string
}

export interface RemoteResult {
  stdout: string
  stderr: string
  exitCode: number | null
  hostKeyFingerprint: string
  /** The host key the server presented, `type base64`, so it can be pinned as a known_hosts line. */
  hostPublicKey: string
}

/** Runs one command over SSH and collects its output; rejects on connect/auth failure or timeout. */
export function runRemoteCommand(target: RemoteTarget, command: string, timeoutMs = 15_000): Promise<RemoteResult> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    let jumpClient: ssh2.Client | null = null
    let seenFingerprint = ''
    let seenPublicKey = ''
    let settled = false
    const where = target.jump ? `${target.host}:${target.port} via ${target.jump.host}:${target.jump.port}` : `${target.host}:${target.port}`
    const finish = (err: Error | null, result?: RemoteResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      client.end()
      jumpClient?.end()
      if (err) reject(err)
      else resolve(result!)
    }
    const timer = setTimeout(() => finish(new Error(`ssh to ${where} timed out after ${timeoutMs} ms`)), timeoutMs)
    client.on('error', (err) => finish(new Error(`ssh to ${where} failed: ${err.message}`)))
    client.on('ready', () => {
      client.exec(command, (err, channel) => {
        if (err) return finish(err)
        let stdout = ''
        let stderr = ''
        let exitCode: number | null = null
        channel.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
        channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
        channel.on('exit', (code: number | null) => (exitCode = code))
        channel.on('error', (e: Error) => finish(e))
        channel.on('close', () => finish(null, {stdout, stderr, exitCode, hostKeyFingerprint: seenFingerprint, hostPublicKey: seenPublicKey}))
      })
    })
    const connect = (sock?: NodeJS.ReadableStream & NodeJS.WritableStream) =>
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        privateKey: target.privateKey,
        readyTimeout: timeoutMs,
        ...(sock ? {sock: sock as never} : {}),
        // ssh2 accepts any host key when no verifier is set: always check, pin when we know it.
        hostVerifier: (key: Buffer) => {
          seenFingerprint = sshFingerprint(key)
          try {
            seenPublicKey = publicKeyLine(key)
          } catch {
            return false
          }
          return target.hostKeyFingerprint === null || target.hostKeyFingerprint === seenFingerprint
        },
      })
    const jump = target.jump
    if (!jump) return connect()
    openJumpTunnel(
      {...jump, readyTimeoutMs: timeoutMs, acceptsHostKey: (key) => sshFingerprint(key) === jump.hostKeyFingerprint},
      {host: target.host, port: target.port},
    ).then(
      (tunnel) => {
        jumpClient = tunnel.client
        // Timed out while the tunnel was being opened: finish() has already run.
        if (settled) return tunnel.client.end()
        connect(tunnel.stream)
      },
      (err: Error) => finish(new Error(`ssh to ${where}: ${err.message}`)),
    )
  })
}
