import {timingSafeEqual} from 'node:crypto'

import type {FastifyInstance, FastifyRequest} from 'fastify'

import {AccessTokenError, type AccessTokenVerifier} from '../src/auth/access-token-verifier.js'
import {LOCAL_PRINCIPAL, type Principal} from '../src/auth/principal.js'
import {hostHeaderName, isLoopbackHost} from '../src/core/loopback.js'
import type {ServiceContext} from '../src/services/context.js'

/**
 * How callers prove who they are. The solo daemon: one static token (from its state file), and
 * whoever holds it is the local admin. The team server: OpenID Connect access tokens, each
 * mapped to a user, tenant and role.
 */
export type DaemonAuth =
  | {mode: 'static'; /** null = --no-auth */ token: string | null}
  | {mode: 'oidc'; verifier: Pick<AccessTokenVerifier, 'verify'>; issuer: string; audience: string; clientId: string; scopes: readonly string[]}

export interface AuthOptions {
  auth: DaemonAuth
  /** When bound to loopback, only loopback Host headers are served (DNS rebinding defence). */
  loopbackOnly: boolean
  ctx: ServiceContext
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts for; null on the open paths (health, terminal page, auth config). */
    principal: Principal | null
    /** The service context scoped to the principal: what routes hand to services. */
    ctx: ServiceContext
  }
}

/** Sees no tenant's rows: the context of a request nobody authenticated (open paths). */
const NOBODY: Principal = {user: 'anonymous', tenant: '', role: 'member', expiresAt: null}

// The browser terminal's page, assets and WebSocket carry a single-use terminal token instead
// of the bearer token (a browser tab has none); the routes check it themselves. A client asks
// how to log in before it has a token.
const OPEN_PATHS = new Set(['/health', '/ready', '/terminal', '/api/v1/terminal/ws', '/api/v1/auth/config'])
const OPEN_PREFIXES = ['/terminal/assets/']

function isOpenPath(url: string): boolean {
  const path = url.split('?')[0] ?? ''
  return OPEN_PATHS.has(path) || OPEN_PREFIXES.some((prefix) => path.startsWith(prefix))
}

export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const {auth, ctx} = options
  app.decorateRequest('principal', null)
  app.decorateRequest('ctx', null as unknown as ServiceContext)
  const expected = auth.mode === 'static' && auth.token ? Buffer.from(auth.token) : null

  app.addHook('onRequest', async (request, reply) => {
    const refuse = (status: 401 | 403 | 503, errorType: string, error: string) => {
      if (status === 401) reply.header('WWW-Authenticate', 'Bearer')
      return reply.status(status).send({error, error_type: errorType, request_id: String(request.id)})
    }
    if (options.loopbackOnly && !isLoopbackHost(hostHeaderName(request.headers.host ?? ''))) {
      return refuse(403, 'forbidden', `Host header "${request.headers.host ?? ''}" is not a loopback name; this daemon only answers localhost`)
    }
    request.ctx = {...ctx, principal: NOBODY}
    if (isOpenPath(request.url)) return
    const given = bearerOf(request)

    if (auth.mode === 'static') {
      if (expected) {
        const presented = given === null ? null : Buffer.from(given)
        if (!presented || presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
          return refuse(
            401,
            'unauthorized',
            presented
              ? 'the bearer token is wrong; the CLI reads the right one from the daemon state file (`gpu-shopper daemon token`)'
              : 'missing Authorization: Bearer <token>; get it with `gpu-shopper daemon token`, or start the daemon with --no-auth for loopback-only use',
          )
        }
      }
      request.principal = LOCAL_PRINCIPAL
    } else {
      if (given === null) return refuse(401, 'unauthorized', 'missing Authorization: Bearer <token>; log in with `gpu-shopper auth login --server URL`, then `gpu-shopper auth token` prints one')
      try {
        request.principal = await auth.verifier.verify(given)
      } catch (err) {
        if (err instanceof AccessTokenError) {
          const fix = err.reason === 'expired' || err.reason === 'inactive' ? '; log in again with `gpu-shopper auth login --server URL`' : ''
          return refuse(401, 'unauthorized', `${err.message}${fix}`)
        }
        // The IdP could not be asked: not the caller's fault, and not a reason to let anyone in.
        request.log.warn({err: err instanceof Error ? err.message : String(err)}, 'access token could not be checked')
        return refuse(503, 'service_unavailable', `this server could not check the access token with its identity provider: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    request.ctx = {...ctx, principal: request.principal}
  })
}

function bearerOf(request: FastifyRequest): string | null {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')
  return match ? match[1]!.trim() : null
}
