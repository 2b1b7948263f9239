import type {Client, ClientChannel} from 'ssh2'

import {publicKeyLine} from '../../ssh/key-blob.js'
import {sshFingerprint} from '../../ssh/keys.js'

/** How to reach a node: its SSH endpoint, the key we log in with, and the host key we trust. */
export interface NodeTarget {
  host: string
  port: number
  user: string
  /** The OpenSSH private key itself (read from the user's identity file for this call only). */
  privateKey: string
  /** `SHA256:...` pinned at registration; null only on first contact, which reports what it saw. */
  hostKeyFingerprint: string | null
}

export interface NodeHostKey {
  fingerprint: string
  /** `type base64`, for a known_hosts line. */
  publicKey: string
}

export interface ExecResult {
  stdout: string
  stderr: string
  exitCode: number | null
}

/** The node presented another host key than the pinned one: nothing was sent to it. */
export class HostKeyMismatchError extends Error {
  constructor(
    readonly pinned: string,
    readonly presented: string,
  ) {
    super(`the node presented host key ${presented}, but ${pinned} is pinned`)
    this.name = 'HostKeyMismatchError'
  }
}

/** The node could not be reached or refused us: what ssh said, with the endpoint. */
export class NodeUnreachableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NodeUnreachableError'
  }
}

const CONNECT_TIMEOUT_MS = 15_000
const EXEC_TIMEOUT_MS = 120_000

/**
 * One SSH connection to a node, for several commands (discovery, provisioning steps) and for
 * tunnels to its guests. The host key is checked before authentication: a mismatch ends the
 * connection before our key or any command is sent.
 */
export class NodeShell {
  private constructor(
    private readonly client: Client,
    readonly hostKey: NodeHostKey,
    private readonly endpoint: string,
  ) {}

  static async open(target: NodeTarget, timeoutMs = CONNECT_TIMEOUT_MS): Promise<NodeShell> {
    // ssh2 is heavy and only the daemon's node paths need it.
    const {default: ssh2} = await import('ssh2')
    const endpoint = `${target.user}@${target.host}:${target.port}`
    const client = new ssh2.Client()
    let seen: NodeHostKey | null = null
    return new Promise((resolve, reject) => {
      let settled = false
      const fail = (err: Error) => {
        if (settled) return
        settled = true
        client.end()
        reject(err)
      }
      client.on('error', (err: Error & {level?: string}) => {
        if (seen && target.hostKeyFingerprint !== null && seen.fingerprint !== target.hostKeyFingerprint) {
          fail(new HostKeyMismatchError(target.hostKeyFingerprint, seen.fingerprint))
        } else if (err.level === 'client-authentication') {
          fail(new NodeUnreachableError(`ssh to ${endpoint}: the node refused the key (${err.message}); is its public half in ~${target.user}/.ssh/authorized_keys there?`))
        } else {
          fail(new NodeUnreachableError(`ssh to ${endpoint} failed: ${err.message}`))
        }
      })
      client.on('ready', () => {
        if (settled) return
        settled = true
        resolve(new NodeShell(client, seen!, endpoint))
      })
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.user,
          privateKey: target.privateKey,
          readyTimeout: timeoutMs,
          keepaliveInterval: 15_000,
          hostVerifier: (key: Buffer) => {
            try {
              seen = {fingerprint: sshFingerprint(key), publicKey: publicKeyLine(key)}
            } catch {
              return false
            }
            return target.hostKeyFingerprint === null || target.hostKeyFingerprint === seen.fingerprint
          },
        })
      } catch (err) {
        // ssh2 throws synchronously on a key it cannot read (an encrypted one, say).
        fail(new NodeUnreachableError(`ssh to ${endpoint}: cannot use the identity file: ${(err as Error).message}`))
      }
    })
  }

  /**
   * Runs one command; `stdin` is written to it and closed (scripts for `sh -s`, XML for
   * `virsh define /dev/stdin`). Resolves with the exit code whatever it is; rejects when the
   * connection fails or the command outlives `timeoutMs`.
   */
  exec(command: string, options: {stdin?: string; timeoutMs?: number} = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(new NodeUnreachableError(`ssh to ${this.endpoint}: ${err.message}`))
        let stdout = ''
        let stderr = ''
        let exitCode: number | null = null
        const timer = setTimeout(() => {
          channel.close()
          reject(new NodeUnreachableError(`ssh to ${this.endpoint}: a command did not finish within ${Math.round(timeoutMs / 1000)} s`))
        }, timeoutMs)
        channel.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
        channel.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
        channel.on('exit', (code: number | null) => (exitCode = code))
        channel.on('close', () => {
          clearTimeout(timer)
          resolve({stdout, stderr, exitCode})
        })
        channel.end(options.stdin ?? '')
      })
    })
  }

  /** A TCP stream from the node to `host:port` on its side (a guest's sshd on a NAT network). */
  forwardOut(host: string, port: number): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err) reject(new NodeUnreachableError(`ssh to ${this.endpoint}: cannot reach ${host}:${port} from the node: ${err.message}`))
        else resolve(stream)
      })
    })
  }

  close(): void {
    this.client.end()
  }
}
