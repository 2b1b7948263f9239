import {timingSafeEqual} from 'node:crypto'
import {connect, type AddressInfo, type Server as NetServer, type Socket} from 'node:net'

import ssh2, {type Connection, type ParsedKey, type PublicKeyAuthContext, type ServerChannel} from 'ssh2'

import {homeOf, newShellSession, runShellLine, type ShellContext} from './fake-shell.js'
import {runInteractiveShell} from './interactive-shell.js'
import {serveSftp} from './sftp-server.js'

export interface SshEndpointOptions {
  host: string
  /** OpenSSH private host key, the machine's own: a client pins it per instance. */
  hostKey: string
  /**
   * The users accepted, as on the real hosts (`root` on Vast; `user` and `root` on TensorDock).
   * The shell answers `whoami`, `id` and the prompt as whoever logged in.
   */
  username: string | readonly string[]
  /**
   * Public key lines allowed to log in right now as `username`. Asked on every attempt, so keys
   * attached later and hosts that are not up yet are handled by the caller's current state.
   */
  authorizedKeys(username: string): readonly string[]
  /** The machine: its shell and SFTP server both work on `shell.fs`. */
  shell: ShellContext
  /** Listen here (the port it had before a restart); a free one when absent or taken. */
  port?: number
  /**
   * The loopback port of whatever listens on the machine's own 127.0.0.1:`port` right now, for
   * `ssh -L` (a `direct-tcpip` channel); null when nothing does. Absent: every forward is refused.
   */
  forward?(port: number): Promise<number | null>
}

/** The destinations a forward may name for the machine itself. */
const MACHINE_LOOPBACK = new Set(['127.0.0.1', 'localhost'])

export interface SshEndpoint {
  readonly port: number
  close(): Promise<void>
}

/** A real SSH server on loopback standing in for one simulated machine. */
export async function startSshEndpoint(options: SshEndpointOptions): Promise<SshEndpoint> {
  const clients = new Set<Connection>()
  /** Connections forwarded channels opened to the machine's servers, cut on close(). */
  const forwarded = new Set<Socket>()
  const usernames: readonly string[] = typeof options.username === 'string' ? [options.username] : options.username
  const server = new ssh2.Server({hostKeys: [options.hostKey]}, (client) => {
    clients.add(client)
    // A client vanishing mid-handshake must never take the simulator (or the daemon hosting it) down.
    client.on('error', () => undefined)
    client.on('close', () => clients.delete(client))
    let shell: ShellContext = options.shell
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !usernames.includes(ctx.username)) {
        ctx.reject(['publickey'])
        return
      }
      const key = findAuthorizedKey(ctx, options.authorizedKeys(ctx.username))
      if (!key) {
        ctx.reject(['publickey'])
        return
      }
      // Without a signature the client only asks whether the key would be accepted.
      if (!ctx.signature || !ctx.blob) {
        ctx.accept()
        return
      }
      if (key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) {
        shell = {...options.shell, user: ctx.username}
        ctx.accept()
      } else ctx.reject(['publickey'])
    })
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession()
        let hasPty = false
        session.on('pty', (accept) => {
          hasPty = true
          accept?.()
        })
        session.on('window-change', (accept) => accept?.())
        session.on('env', (accept) => accept?.())
        session.on('exec', (accept, _reject, info) => {
          const stream = accept()
          stream.on('error', () => undefined)
          const result = runShellLine(info.command, shell, newShellSession(shell))
          if (result.stdout.length > 0) stream.write(result.stdout)
          if (result.stderr) stream.stderr.write(result.stderr)
          stream.exit(result.code)
          stream.end()
        })
        session.on('sftp', (accept) => {
          const sftp = accept()
          sftp.on('error', () => undefined)
          serveSftp(sftp, shell.fs, homeOf(shell.user ?? usernames[0] ?? 'root'))
        })
        session.on('shell', (accept) => {
          const stream = accept()
          stream.on('error', () => undefined)
          runInteractiveShell(stream, {...shell, tty: hasPty}, hasPty)
        })
      })
      client.on('tcpip', (accept, reject, info) => {
        // As sshd: connect first, confirm the channel only once connected; anything else is an open failure (connect failed).
        if (!MACHINE_LOOPBACK.has(info.destIP) || !options.forward) return reject()
        options.forward(info.destPort).then(
          (port) => {
            if (port === null) return reject()
            const upstream = connect({port, host: '127.0.0.1', allowHalfOpen: true})
            forwarded.add(upstream)
            upstream.on('close', () => forwarded.delete(upstream))
            let channel: ServerChannel | null = null
            upstream.on('error', () => (channel ? channel.destroy() : reject()))
            upstream.once('connect', () => {
              channel = accept()
              channel.on('error', () => upstream.destroy())
              channel.on('close', () => upstream.destroy())
              channel.pipe(upstream)
              upstream.pipe(channel)
            })
          },
          () => reject(),
        )
      })
    })
  })
  server.on('error', () => undefined)
  // The raw sockets, so close() can cut peers that do not answer a polite end().
  const sockets = new Set<Socket>()
  ;(server as unknown as {_srv: NetServer})._srv.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  try {
    await listen(options.port ?? 0)
  } catch (error) {
    // The old port was taken while we were down: any free one will do, the API reports it.
    if (!options.port) throw error
    await listen(0)
  }
  const port = (server.address() as AddressInfo).port

  let closing: Promise<void> | undefined
  return {
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const client of clients) client.end()
        for (const socket of forwarded) socket.destroy()
        server.close(() => resolve())
        // end() waits for the peer; destroy whatever is still open so close() never hangs.
        setImmediate(() => {
          for (const socket of sockets) socket.destroy()
        })
      })
      return closing
    },
  }
}

function findAuthorizedKey(ctx: PublicKeyAuthContext, lines: readonly string[]): ParsedKey | null {
  for (const line of lines) {
    const parsed = ssh2.utils.parseKey(line)
    if (parsed instanceof Error) continue
    const key = Array.isArray(parsed) ? parsed[0] : parsed
    if (!key || key.isPrivateKey()) continue
    const blob = key.getPublicSSH()
    if (key.type === ctx.key.algo && blob.length === ctx.key.data.length && timingSafeEqual(blob, ctx.key.data)) return key
    // RSA keys sign with rsa-sha2-* but are stored as ssh-rsa.
    if (key.type === 'ssh-rsa' && ctx.key.algo.startsWith('rsa-sha2') && blob.equals(ctx.key.data)) return key
  }
  return null
}
