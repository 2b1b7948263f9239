import ssh2 from 'ssh2'

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
    let seenFingerprint = ''
    let seenPublicKey = ''
    let settled = false
    const finish = (err: Error | null, result?: RemoteResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      client.end()
      if (err) reject(err)
      else resolve(result!)
    }
    const timer = setTimeout(() => finish(new Error(`ssh to ${target.host}:${target.port} timed out after ${timeoutMs} ms`)), timeoutMs)
    client.on('error', (err) => finish(new Error(`ssh to ${target.host}:${target.port} failed: ${err.message}`)))
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
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: timeoutMs,
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
  })
}
