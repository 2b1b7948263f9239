import type {FastifyError, FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {hasZodFastifySchemaValidationErrors, isResponseSerializationError} from 'fastify-type-provider-zod'

import {isAppError} from '../src/core/errors.js'
import {scrubSecrets} from '../src/log/logger.js'

/**
 * One place turns every failure into `{error, error_type, request_id}`. User mistakes are
 * 4xx with the field and the fix; anything unexpected is a 500 that says nothing internal.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const requestId = String(request.id)
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issue = err.validation[0]
      const where = err.validationContext === 'querystring' ? 'query parameter' : err.validationContext === 'params' ? 'path parameter' : 'field'
      const path = issue?.instancePath?.replace(/^\//, '').replace(/\//g, '.') || (issue?.params as {missingProperty?: string})?.missingProperty || ''
      const field = path || String((issue?.params as {issue?: {path?: unknown[]}})?.issue?.path?.join('.') ?? '')
      const message = issue?.message ?? 'invalid request'
      return reply.status(400).send({
        error: field ? `${where} ${field}: ${message}` : `invalid ${err.validationContext ?? 'request'}: ${message}`,
        error_type: 'validation_error',
        request_id: requestId,
        field: field || undefined,
      })
    }
    if (isAppError(err)) {
      if (err.errorType === 'rate_limit_exceeded' && typeof err.details.retry_after === 'number') reply.header('Retry-After', String(err.details.retry_after))
      return reply.status(err.status).send({error: err.message, error_type: err.errorType, request_id: requestId, ...err.details})
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || (err instanceof SyntaxError && err.statusCode === 400)) {
      return reply.status(400).send({error: 'the request body is not valid JSON', error_type: 'validation_error', request_id: requestId})
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply.status(400).send({error: 'the request body is empty; send a JSON object', error_type: 'validation_error', request_id: requestId})
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.status(415).send({error: 'send the body as application/json', error_type: 'validation_error', request_id: requestId})
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.status(413).send({error: 'the request body is too large', error_type: 'validation_error', request_id: requestId})
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({error: scrubSecrets(err.message), error_type: 'validation_error', request_id: requestId})
    }
    request.log.error({err: scrubSecrets(err.stack ?? err.message), serialization: isResponseSerializationError(err)}, 'unhandled error')
    return reply.status(500).send({error: 'internal error; see the daemon log for this request id', error_type: 'internal_error', request_id: requestId})
  })

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: `no such endpoint: ${request.method} ${request.url.split('?')[0]}`,
      error_type: 'not_found',
      request_id: String(request.id),
    })
  })
}
