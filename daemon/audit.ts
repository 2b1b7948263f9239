import type {FastifyInstance} from 'fastify'

import {recordRequest} from '../src/services/audit-service.js'

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Every mutating API request of an authenticated caller goes into the audit log once its reply
 * is sent, refused and failed ones included: who, what, when, request id and outcome.
 */
export function installAudit(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    if (!MUTATING.has(request.method) || !request.principal) return
    const path = request.url.split('?')[0] ?? ''
    if (!path.startsWith('/api/')) return
    const params = (request.params ?? {}) as Record<string, unknown>
    const target = typeof params.id === 'string' ? params.id : typeof params.name === 'string' ? params.name : null
    try {
      await recordRequest(request.ctx, {
        method: request.method,
        route: request.routeOptions.url ?? path,
        target: target === null ? null : target.slice(0, 200),
        requestId: String(request.id),
        statusCode: reply.statusCode,
      })
    } catch (err) {
      // The reply is gone already; a failed audit write is the operator's to see, loudly.
      request.log.error({err: err instanceof Error ? err.message : String(err)}, 'audit log write failed')
    }
  })
}
