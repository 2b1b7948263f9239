import type {FastifyInstance} from 'fastify'

import {TERMINAL_CLOSE} from './close-codes.js'
import type {TerminalSocket} from './terminal-socket.js'

interface SocketServer {
  clients: Set<TerminalSocket>
  close(): void
}

/**
 * `preClose` for @fastify/websocket: its default closes every socket without a code, and an
 * open browser terminal would then say "no reason given". Each one is told why instead; the
 * relays end their SSH connections as their sockets close.
 */
export function closeTerminalsOnShutdown(this: FastifyInstance, done: () => void): void {
  const server = this.websocketServer as SocketServer
  for (const client of server.clients) client.close(TERMINAL_CLOSE.goingAway, 'the daemon is shutting down')
  // Not awaited: ws calls back only once every client finished its closing handshake.
  server.close()
  done()
}
