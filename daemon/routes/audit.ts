import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {AuditParams, AuditReply} from '../../src/core/api/audit.js'
import {ErrorBody} from '../../src/core/api/common.js'
import {auditLog} from '../../src/services/audit-service.js'
import {auditEntryDto} from '../dto.js'

/** `GET /api/v1/audit`: the tenant's mutating requests, for its admins. */
export function auditRoutes(): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/audit', {schema: {querystring: AuditParams, response: {200: AuditReply, 400: ErrorBody, 403: ErrorBody}}}, async (request) => {
      const q = request.query
      const entries = (await auditLog(request.ctx, {afterId: q.after, userId: q.user, limit: q.limit})).map(auditEntryDto)
      return {entries, count: entries.length, next_after: entries.at(-1)?.id ?? null}
    })
  }
}
