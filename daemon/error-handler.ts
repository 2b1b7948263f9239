import {randomBytes} from 'node:crypto'
import {STATUS_CODES} from 'node:http'
import type {Socket} from 'node:net'

import type {FastifyError, FastifyInstance, FastifyReply, FastifyRequest} from 'fastify'
import {hasZodFastifySchemaValidationErrors, isResponseSerializationError} from 'fastify-type-provider-zod'

import {MAX_PATH_PARAM_LENGTH} from '../src/core/api/common.js'
import {isAppError} from '../src/core/errors.js'
import {scrubSecrets} from '../src/log/logger.js'

/** Every request's id, also minted for errors answered before Fastify made a request. */
export function newRequestId(): string {
  return `req-${randomBytes(6).toString('hex')}`
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals (a URL that does not decode, a path
 * segment longer than maxParamLength), which otherwise answer in Fastify's shape.
 */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const requestId = String(request.id)
  reply.header('X-Request-Id', requestId)
  if (err.code === 'FST_ERR_BAD_URL') {
    void reply.status(400).send({error: 'the URL is not valid: fix its percent-encoding (%XX)', error_type: 'validation_error', request_id: requestId})
    return
  }
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.status(414).send({
      error: `a path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters; no valid id is that long`,
      error_type: 'validation_error',
      request_id: requestId,
    })
    return
  }
  request.log.error({err: scrubSecrets(err.stack ?? err.message)}, 'router error')
  void reply.status(500).send({error: 'internal error; see the daemon log for this request id', error_type: 'internal_error', request_id: requestId})
}

/**
 * The HTTP server's `clientError`: what Node's parser refuses before any request exists
 * (bytes that are not HTTP, headers over the size limit, a request that took longer than
 * requestTimeout). Written raw to the socket, in the same shape as every other error.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const [status, error] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'the request was not received in time; send it whole, promptly']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'the request line and headers are too large (16 KiB at most): shorten the URL or the headers']
        : [400, 'the request is not valid HTTP/1.1']
  const requestId = newRequestId()
  const body = JSON.stringify({error, error_type: status === 408 ? 'request_timeout' : 'validation_error', request_id: requestId})
  this.log.debug({err: err.code ?? err.message, status, request_id: requestId}, 'refused a malformed request')
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
  socket.destroy()
}

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
