import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {AuthConfigReply, WhoAmIReply} from '../../src/core/api/auth.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {LOCAL_PRINCIPAL} from '../../src/auth/principal.js'
import type {AppDeps} from '../deps.js'

/** `/api/v1/auth/config` (open: a client asks it before it has a token) and `/api/v1/auth/whoami`. */
export function authRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const {auth} = deps
  const config: AuthConfigReply =
    auth.mode === 'oidc'
      ? {mode: 'oidc', issuer: auth.issuer, client_id: auth.clientId, audience: auth.audience, scopes: [...auth.scopes]}
      : {mode: 'static', issuer: null, client_id: null, audience: null, scopes: []}
  return async (app) => {
    app.get('/auth/config', {schema: {response: {200: AuthConfigReply}, security: []}}, async () => config)
    app.get('/auth/whoami', {schema: {response: {200: WhoAmIReply, 401: ErrorBody}}}, async (request) => {
      const principal = request.principal ?? LOCAL_PRINCIPAL
      return {
        user: principal.user,
        tenant: principal.tenant,
        role: principal.role,
        expires_at: principal.expiresAt === null ? null : new Date(principal.expiresAt).toISOString(),
        mode: auth.mode,
      }
    })
  }
}
