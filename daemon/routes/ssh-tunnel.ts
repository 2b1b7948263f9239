import {pipeline} from 'node:stream'

import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'
import {createWebSocketStream, type WebSocket} from 'ws'

import {SessionIdParams} from '../../src/core/api/sessions.js'
import {openSessionTunnel, sessionTunnelTarget, type TunnelTarget} from '../../src/services/session-tunnel.js'

/** Where the CLI's `sessions tunnel` (an ssh ProxyCommand) reaches a guest behind a node. */
export const SSH_TUNNEL_PATH = '/sessions/:id/ssh-tunnel'

// WebSocket close codes (RFC 6455 §7.4): the node or the guest could not be reached.
const TUNNEL_FAILED = 1011

/**
 * A byte stream to the SSH port of a session behind a self-hosted node, for a client that
 * cannot log in to the node itself (a teammate of a team server: the node's key stays on the
 * server). An authenticated WebSocket: the caller's bearer token and tenancy are checked, and
 * the session must be theirs and running, before the connection is upgraded.
 */
export function sshTunnelRoutes(): FastifyPluginAsyncZod {
  const targets = new WeakMap<object, TunnelTarget>()
  return async (app) => {
    app.get(
      SSH_TUNNEL_PATH,
      {
        websocket: true,
        schema: {hide: true, params: SessionIdParams},
        preHandler: async (request) => {
          targets.set(request, await sessionTunnelTarget(request.ctx, request.params.id))
        },
      },
      (socket: WebSocket, request) => {
        const target = targets.get(request)!
        socket.on('error', () => undefined)
        // Bytes the client sends before the node answers wait in the stream, paused.
        const client = createWebSocketStream(socket)
        client.pause()
        openSessionTunnel(target).then(
          (tunnel) => {
            request.log.info({session_id: target.sessionId}, 'ssh tunnel opened')
            client.once('close', () => tunnel.client.end())
            tunnel.stream.once('close', () => tunnel.client.end())
            pipeline(client, tunnel.stream, client, () => {
              tunnel.client.end()
              socket.terminate()
            })
          },
          (err: unknown) => {
            request.log.warn({session_id: target.sessionId, err: (err as Error).message}, 'ssh tunnel failed')
            socket.close(TUNNEL_FAILED, (err as Error).message.slice(0, 120))
          },
        )
      },
    )
  }
}
