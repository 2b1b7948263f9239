import {createSocket, type Socket as UdpSocket} from 'node:dgram'
import {connect, createServer, type AddressInfo, type Server, type Socket} from 'node:net'

export interface PublishedPortOptions {
  /** Where to listen: the address the provider API names for the instance. */
  host: string
  protocol: 'tcp' | 'udp'
  /** The host port to take when it is free (the one it had before a restart, or one asked for); 0 or absent: any free one. */
  preferredPort?: number
  /** A port it must not come out as (the simulator is told to hand out other ports than those requested). */
  avoidPort?: number
  /** The loopback port of whatever serves the container port now; null when nothing does. */
  target(): Promise<number | null>
}

/** One host port of an instance, bound for real. */
export interface PublishedPort {
  readonly hostPort: number
  close(): Promise<void>
}

/**
 * A provider's port mapping made real: a listener on the host that pipes each connection to the
 * server behind the instance's container port, or closes it at once when nothing serves there,
 * as Docker's userland proxy does. UDP ports are bound (so the number is really the instance's)
 * and drop what arrives: nothing in a simulated machine serves UDP.
 */
export async function publishPort(options: PublishedPortOptions): Promise<PublishedPort> {
  return options.protocol === 'udp' ? publishUdp(options) : publishTcp(options)
}

/** The preferred port when it can be had, else a free one; never `avoidPort`. */
async function bindSomewhere<T>(options: PublishedPortOptions, bind: (port: number) => Promise<T>, portOf: (bound: T) => number, release: (bound: T) => Promise<void>): Promise<T> {
  const preferred = options.preferredPort ?? 0
  if (preferred > 0 && preferred !== options.avoidPort) {
    try {
      return await bind(preferred)
    } catch {
      // Taken (or privileged): any free port will do, and the API reports the one it got.
    }
  }
  for (;;) {
    const bound = await bind(0)
    if (portOf(bound) !== options.avoidPort) return bound
    await release(bound)
  }
}

async function publishTcp(options: PublishedPortOptions): Promise<PublishedPort> {
  const sockets = new Set<Socket>()
  const track = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const makeServer = () =>
    // Half-open allowed both ways, so each side's end reaches the other only after its data.
    createServer({allowHalfOpen: true}, (client) => {
      track(client)
      client.pause()
      options.target().then(
        (port) => {
          if (port === null || client.destroyed) return client.destroy()
          const upstream = connect({port, host: '127.0.0.1', allowHalfOpen: true})
          track(upstream)
          upstream.on('error', () => client.destroy())
          client.on('error', () => upstream.destroy())
          client.on('close', () => upstream.destroy())
          upstream.once('connect', () => {
            client.pipe(upstream)
            upstream.pipe(client)
            client.resume()
          })
        },
        () => client.destroy(),
      )
    })
  const listen = (port: number) =>
    new Promise<Server>((resolve, reject) => {
      const server = makeServer()
      server.once('error', reject)
      server.listen(port, options.host, () => {
        server.off('error', reject)
        server.on('error', () => undefined)
        resolve(server)
      })
    })
  const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))
  const server = await bindSomewhere(options, listen, (s) => (s.address() as AddressInfo).port, closeServer)
  const hostPort = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  return {
    hostPort,
    close() {
      closing ??= (async () => {
        const closed = closeServer(server)
        for (const socket of sockets) socket.destroy()
        await closed
      })()
      return closing
    },
  }
}

async function publishUdp(options: PublishedPortOptions): Promise<PublishedPort> {
  const bind = (port: number) =>
    new Promise<UdpSocket>((resolve, reject) => {
      const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4')
      socket.once('error', reject)
      socket.bind(port, options.host, () => {
        socket.off('error', reject)
        socket.on('error', () => undefined)
        resolve(socket)
      })
    })
  const release = (socket: UdpSocket) => new Promise<void>((resolve) => socket.close(() => resolve()))
  const socket = await bindSomewhere(options, bind, (s) => s.address().port, release)
  let closing: Promise<void> | undefined
  return {
    hostPort: socket.address().port,
    close() {
      closing ??= release(socket)
      return closing
    },
  }
}
