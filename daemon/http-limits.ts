/**
 * How long a client may take and how many may connect. The time limits bound only receiving a
 * request: once its headers and body are in, a reply may stream for hours (the `--watch` SSE
 * streams write a heartbeat every 15 s, well inside the idle limit), and an upgraded WebSocket
 * (the browser terminal) leaves the HTTP server's timers behind altogether.
 */
export interface HttpLimits {
  /** Request line and headers must arrive within this (slow-loris). */
  headersTimeoutMs: number
  /** The whole request, body included; a 1 MiB body at 20 KB/s still fits. A body dripped byte by byte does not. */
  requestTimeoutMs: number
  /** A socket with no traffic either way for this long is closed; above the SSE heartbeat. */
  idleTimeoutMs: number
  /** An idle keep-alive connection between requests is closed after this. */
  keepAliveTimeoutMs: number
  /** Connections beyond this are refused: each holds a file descriptor. */
  maxConnections: number
  /** How often Node checks the headers and request deadlines; its 30 s default would let a 10 s limit run to 40 s. */
  checkIntervalMs: number
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 10_000,
  maxConnections: 1024,
  checkIntervalMs: 1_000,
}
