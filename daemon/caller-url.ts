import type {FastifyRequest} from 'fastify'

/**
 * A link the server hands out for the caller to follow later (the browser terminal's page and
 * its WebSocket), on the scheme and host:port the caller reached the server by. Both come from
 * Fastify: request.protocol is the connection's own TLS and request.host its Host header, or,
 * only on a server started with --trust-proxy (Fastify's trustProxy), the proxy's
 * X-Forwarded-Proto and X-Forwarded-Host. Without it anyone could send those headers, so the
 * solo daemon never honours them.
 */
export function callerUrl(request: FastifyRequest, path: string, kind: 'page' | 'websocket'): string {
  const secure = request.protocol === 'https'
  const scheme = kind === 'websocket' ? (secure ? 'wss' : 'ws') : secure ? 'https' : 'http'
  return `${scheme}://${callerHost(request, secure)}${path}`
}

/** An HTTP/1.0 caller may send no Host: then the address and port it connected to. */
function callerHost(request: FastifyRequest, secure: boolean): string {
  if (request.host) return request.host
  const {localAddress, localPort} = request.socket
  const address = localAddress ?? '127.0.0.1'
  return `${address.includes(':') ? `[${address}]` : address}:${localPort ?? (secure ? 443 : 80)}`
}
