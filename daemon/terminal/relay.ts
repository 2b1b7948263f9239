import ssh2, {type ClientChannel} from 'ssh2'

import {readIdentityFile} from '../../src/ssh/identity-file.js'
import {openJumpTunnel, type JumpTunnel} from '../../src/ssh/jump-tunnel.js'
import {sshFingerprint} from '../../src/ssh/keys.js'
import {closeReason, TERMINAL_CLOSE} from './close-codes.js'
import {parseControlMessage, type TerminalSize} from './control-message.js'
import {messageBytes, SOCKET_OPEN, type TerminalSocket} from './terminal-socket.js'
import type {TerminalTarget} from './terminal-target.js'

export interface RelayOptions {
  target: TerminalTarget
  /** The daemon's own key, authorised on every instance it provisions. */
  privateKey: string
  size: TerminalSize
  log: {info(obj: object, msg: string): void; warn(obj: object, msg: string): void}
  /** Connect + authenticate deadline; a stuck instance must not leave a spinner forever. */
  readyTimeoutMs?: number
}

export interface TerminalRelay {
  /** Ends the shell and closes the socket with this code and reason (e.g. the session stopped). */
  close(code: number, reason: string): void
}

/** Output buffered towards a slow browser before the shell is paused (backpressure). */
const HIGH_WATER = 1024 * 1024
const LOW_WATER = 256 * 1024
/** Keystrokes typed before the shell is up are kept, up to a bound no human reaches. */
const MAX_PENDING_INPUT = 256 * 1024

/**
 * Relays a browser WebSocket to a PTY shell on the session's instance over SSH, both ways.
 * Every event source has an 'error' listener and every path ends in `finish`, so nothing a
 * browser or an instance does can throw out of here and take the daemon down.
 */
export function relayTerminal(socket: TerminalSocket, options: RelayOptions): TerminalRelay {
  const {target, log} = options
  let size = options.size
  let stream: ClientChannel | null = null
  let pending: Buffer[] = []
  let pendingBytes = 0
  let finished = false
  const client = new ssh2.Client()
  let jumpClient: ssh2.Client | null = null

  const finish = (code: number, reason: string) => {
    if (finished) return
    finished = true
    pending = []
    log.info({session_id: target.sessionId, close_code: code}, 'browser terminal closed')
    try {
      stream?.close()
    } catch {
      // Already gone with its connection.
    }
    client.end()
    jumpClient?.end()
    if (socket.readyState === SOCKET_OPEN) socket.close(code, closeReason(reason))
  }

  const writeInput = (bytes: Buffer) => {
    if (!stream) {
      pendingBytes += bytes.length
      if (pendingBytes > MAX_PENDING_INPUT) return finish(TERMINAL_CLOSE.sshFailed, 'too much input before the shell was ready')
      pending.push(bytes)
      return
    }
    // A shell that cannot keep up stops reading the socket until it drains.
    if (!stream.write(bytes)) {
      socket.pause()
      stream.once('drain', () => socket.resume())
    }
  }

  const sendOutput = (chunk: Buffer) => {
    if (finished || socket.readyState !== SOCKET_OPEN) return
    socket.send(chunk, () => {
      if (stream && stream.isPaused() && socket.bufferedAmount < LOW_WATER) stream.resume()
    })
    if (socket.bufferedAmount > HIGH_WATER) stream?.pause()
  }

  socket.on('message', (data, isBinary) => {
    if (finished) return
    const bytes = messageBytes(data)
    if (!isBinary) {
      const control = parseControlMessage(bytes.toString('utf8'))
      if (control) {
        size = {cols: control.cols, rows: control.rows}
        stream?.setWindow(size.rows, size.cols, 0, 0)
        return
      }
    }
    writeInput(bytes)
  })
  socket.on('close', () => finish(TERMINAL_CLOSE.normal, 'browser closed the terminal'))
  socket.on('error', () => finish(TERMINAL_CLOSE.normal, 'browser connection failed'))

  client.on('error', (err: Error) => {
    log.warn({session_id: target.sessionId, err: err.message}, 'browser terminal: ssh to the instance failed')
    finish(TERMINAL_CLOSE.sshFailed, `ssh to the instance failed: ${err.message}`)
  })
  client.on('close', () => finish(TERMINAL_CLOSE.sshFailed, 'the connection to the instance closed'))
  client.on('ready', () => {
    if (finished) return
    client.shell({term: 'xterm-256color', cols: size.cols, rows: size.rows, width: 0, height: 0}, (err, channel) => {
      if (err) return finish(TERMINAL_CLOSE.sshFailed, `the instance refused a shell: ${err.message}`)
      if (finished) return channel.close()
      stream = channel
      log.info({session_id: target.sessionId, cols: size.cols, rows: size.rows}, 'browser terminal opened')
      channel.on('error', () => finish(TERMINAL_CLOSE.sshFailed, 'the shell channel failed'))
      channel.on('data', sendOutput)
      channel.stderr.on('data', sendOutput)
      channel.stderr.on('error', () => undefined)
      channel.on('close', () => finish(TERMINAL_CLOSE.normal, 'the shell exited'))
      const queued = pending
      pending = []
      pendingBytes = 0
      for (const bytes of queued) writeInput(bytes)
    })
  })

  try {
    connect()
  } catch (err) {
    // ssh2 throws synchronously on a malformed key or option rather than emitting 'error'.
    finish(TERMINAL_CLOSE.sshFailed, `ssh to the instance failed: ${(err as Error).message}`)
  }
  return {close: finish}

  function connect(sock?: ClientChannel): void {
    const jump = target.jump
    if (jump && !sock) return void connectThrough(jump)
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      privateKey: options.privateKey,
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      ...(sock ? {sock} : {}),
      // A browser tab left open on a dead instance should learn it within a minute.
      keepaliveInterval: 15_000,
      keepaliveCountMax: 3,
      // ssh2 accepts any host key without a verifier: only the key pinned at provisioning will do.
      hostVerifier: (key: Buffer) => sshFingerprint(key) === target.hostKeyFingerprint,
    })
  }

  /** A guest behind a self-hosted node: log in to the node (its own key, pinned) and tunnel from there. */
  async function connectThrough(jump: NonNullable<TerminalTarget['jump']>): Promise<void> {
    let tunnel: JumpTunnel
    try {
      tunnel = await openJumpTunnel(
        {
          host: jump.host,
          port: jump.port,
          user: jump.user,
          privateKey: await readIdentityFile(jump.identityFile),
          readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
          acceptsHostKey: (key) => sshFingerprint(key) === jump.hostKeyFingerprint,
        },
        {host: target.host, port: target.port},
      )
    } catch (err) {
      return finish(TERMINAL_CLOSE.sshFailed, (err as Error).message)
    }
    jumpClient = tunnel.client
    // The browser went away while the tunnel was being opened.
    if (finished) return void tunnel.client.end()
    try {
      connect(tunnel.stream)
    } catch (err) {
      finish(TERMINAL_CLOSE.sshFailed, `ssh to the instance failed: ${(err as Error).message}`)
    }
  }
}
