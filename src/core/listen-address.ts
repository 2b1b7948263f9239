import {isLoopbackHost} from './loopback.js'

/** `HOST:PORT`, `[::1]:PORT` or `:PORT` (loopback), as `serve --listen` takes it. */
export function parseListenAddress(value: string): {host: string; port: number} | null {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([\w.-]*)):(\d{1,5})$/.exec(value.trim())
  if (!match) return null
  const port = Number(match[3])
  if (port > 65_535) return null
  const host = match[1] ?? (match[2] || '127.0.0.1')
  return {host, port}
}

/**
 * Why a team server must not listen there as configured, or null: tokens cross the network in
 * every request, so anything but loopback needs TLS here or a TLS proxy in front (said with
 * --trust-proxy).
 */
export function insecureListenProblem(host: string, tls: boolean, trustProxy: boolean): string | null {
  if (tls || trustProxy || isLoopbackHost(host)) return null
  return `listening on ${host} without TLS would send every bearer token in clear text over the network`
}
