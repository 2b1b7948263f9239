import {timingSafeEqual} from 'node:crypto'

import type {FastifyInstance} from 'fastify'

import {hostHeaderName, isLoopbackHost} from '../src/core/loopback.js'

export interface AuthOptions {
  /** Bearer token every /api and /metrics request must carry; null turns auth off (--no-auth). */
  token: string | null
  /** When bound to loopback, only loopback Host headers are served (DNS rebinding defence). */
  loopbackOnly: boolean
}

// The browser terminal's page, assets and WebSocket carry a single-use terminal token instead
// of the bearer token (a browser tab has none); the routes check it themselves.
const OPEN_PATHS = new Set(['/health', '/ready', '/terminal', '/api/v1/terminal/ws'])
const OPEN_PREFIXES = ['/terminal/assets/']

export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const expected = options.token ? Buffer.from(options.token) : null
  app.addHook('onRequest', async (request, reply) => {
    if (options.loopbackOnly) {
      if (!isLoopbackHost(hostHeaderName(request.headers.host ?? ''))) {
        return reply.status(403).send({
          error: `Host header "${request.headers.host ?? ''}" is not a loopback name; this daemon only answers localhost`,
          error_type: 'forbidden',
          request_id: String(request.id),
        })
      }
    }
    const path = request.url.split('?')[0] ?? ''
    if (!expected || OPEN_PATHS.has(path) || OPEN_PREFIXES.some((prefix) => path.startsWith(prefix))) return
    const header = request.headers.authorization ?? ''
    const match = /^Bearer\s+(.+)$/i.exec(header)
    const given = match ? Buffer.from(match[1]!.trim()) : null
    if (!given || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return reply.status(401).send({
        error: given
          ? 'the bearer token is wrong; the CLI reads the right one from the daemon state file (`gpu-shopper daemon token`)'
          : 'missing Authorization: Bearer <token>; get it with `gpu-shopper daemon token`, or start the daemon with --no-auth for loopback-only use',
        error_type: 'unauthorized',
        request_id: String(request.id),
      })
    }
  })
}
