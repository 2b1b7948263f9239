import {EventEmitter} from 'node:events'
import type {AddressInfo} from 'node:net'

import ssh2 from 'ssh2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {sshFingerprint} from '../../src/ssh/keys.js'
import {pollUntil} from '../../test/support/poll.js'
import {TERMINAL_CLOSE} from './close-codes.js'
import {relayTerminal} from './relay.js'
import type {TerminalSocket} from './terminal-socket.js'

/** Stands in for the browser's WebSocket: what the relay sends, how it closed. */
class RecordingSocket extends EventEmitter implements TerminalSocket {
  readyState = 1
  bufferedAmount = 0
  received = ''
  closedWith: {code: number; reason: string} | null = null
  send(data: Buffer | string, cb?: (err?: Error) => void): void {
    this.received += data.toString()
    cb?.()
  }
  close(code = 1005, reason = ''): void {
    if (this.readyState !== 1) return
    this.readyState = 3
    this.closedWith = {code, reason}
    this.emit('close', code, Buffer.from(reason))
  }
  terminate(): void {
    this.close(1006)
  }
  pause(): void {}
  resume(): void {}
}

const silent = {info: () => undefined, warn: () => undefined}

/** A real SSH server that records what the relay asked of it. */
describe('relayTerminal against a real SSH server', () => {
  const hostKey = ssh2.utils.generateKeyPairSync('ed25519')
  const clientKey = ssh2.utils.generateKeyPairSync('ed25519')
  const parsedHost = ssh2.utils.parseKey(hostKey.public)
  const hostFingerprint = sshFingerprint((Array.isArray(parsedHost) ? parsedHost[0] : parsedHost).getPublicSSH())
  const ptys: {term: string; cols: number; rows: number}[] = []
  const resizes: {cols: number; rows: number}[] = []
  let server: ssh2.Server
  let port: number

  beforeAll(async () => {
    server = new ssh2.Server({hostKeys: [hostKey.private]}, (client) => {
      client.on('error', () => undefined)
      client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])))
      client.on('ready', () =>
        client.on('session', (accept) => {
          const session = accept()
          session.on('pty', (ok, _reject, info) => {
            ptys.push({term: info.term, cols: info.cols, rows: info.rows})
            ok?.()
          })
          session.on('window-change', (ok, _reject, info) => {
            resizes.push({cols: info.cols, rows: info.rows})
            ok?.()
          })
          session.on('shell', (ok) => {
            const stream = ok()
            stream.on('error', () => undefined)
            stream.write('$ ')
            stream.on('data', (chunk: Buffer) => {
              if (chunk.toString().includes('bye')) {
                stream.exit(0)
                stream.end()
              } else stream.write(`got:${chunk.toString()}`)
            })
          })
        }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  const target = (fingerprint = hostFingerprint) => ({sessionId: 'sess-relay', host: '127.0.0.1', port, user: 'root', hostKeyFingerprint: fingerprint, jump: null})

  it('asks for an xterm-256color pty of the page size, relays both ways and applies resizes', async () => {
    // Given a browser that types before the shell is even up
    const socket = new RecordingSocket()
    relayTerminal(socket, {target: target(), privateKey: clientKey.private, size: {cols: 101, rows: 33}, log: silent})
    socket.emit('message', Buffer.from('early'), true)
    // When the shell starts
    await pollUntil(() => (socket.received.includes('got:early') ? true : undefined), 'the early keystrokes to arrive')
    expect(ptys.at(-1)).toEqual({term: 'xterm-256color', cols: 101, rows: 33})
    // Then resizes become window-change requests, and other text is input
    socket.emit('message', Buffer.from('{"type":"resize","cols":120,"rows":50}'), false)
    socket.emit('message', Buffer.from('{"type":"paste"}'), false)
    await pollUntil(() => (resizes.length > 0 && socket.received.includes('got:{"type":"paste"}') ? true : undefined), 'the resize and the paste')
    expect(resizes.at(-1)).toEqual({cols: 120, rows: 50})
    // And the shell's exit closes the browser socket normally
    socket.emit('message', Buffer.from('bye'), true)
    await pollUntil(() => socket.closedWith ?? undefined, 'the socket to close')
    expect(socket.closedWith).toEqual({code: TERMINAL_CLOSE.normal, reason: 'the shell exited'})
  })

  it('refuses an instance whose host key is not the pinned one, with 4502', async () => {
    const socket = new RecordingSocket()
    relayTerminal(socket, {target: target('SHA256:not-this-one'), privateKey: clientKey.private, size: {cols: 80, rows: 24}, log: silent})
    const closed = await pollUntil(() => socket.closedWith ?? undefined, 'the socket to close')
    expect(closed.code).toBe(TERMINAL_CLOSE.sshFailed)
    expect(closed.reason).toMatch(/^ssh to the instance failed: .*(verification|denied)/i)
    expect(socket.received).toBe('')
  })

  it('reports an unreachable instance and a malformed key as 4502, without throwing', async () => {
    const unreachable = new RecordingSocket()
    relayTerminal(unreachable, {target: {...target(), port: 1}, privateKey: clientKey.private, size: {cols: 80, rows: 24}, log: silent})
    expect((await pollUntil(() => unreachable.closedWith ?? undefined, 'the socket to close')).code).toBe(TERMINAL_CLOSE.sshFailed)
    const badKey = new RecordingSocket()
    relayTerminal(badKey, {target: target(), privateKey: 'not a key', size: {cols: 80, rows: 24}, log: silent})
    expect((await pollUntil(() => badKey.closedWith ?? undefined, 'the socket to close')).code).toBe(TERMINAL_CLOSE.sshFailed)
  })

  it('ends the SSH connection when the browser goes away', async () => {
    const socket = new RecordingSocket()
    relayTerminal(socket, {target: target(), privateKey: clientKey.private, size: {cols: 80, rows: 24}, log: silent})
    await pollUntil(() => (socket.received.includes('$ ') ? true : undefined), 'the prompt')
    const connections = () => new Promise<number>((resolve) => server.getConnections((_err, n) => resolve(n)))
    const before = await connections()
    socket.close(1001, 'tab closed')
    await pollUntil(async () => ((await connections()) < before ? true : undefined), 'the SSH connection to end')
  })
})
