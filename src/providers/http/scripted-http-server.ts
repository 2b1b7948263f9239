import {createServer, type IncomingHttpHeaders, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

/**
 * A loopback HTTP server whose replies a test scripts, for adapter tests that need exact
 * provider quirks (a 404 `Invalid user key`, a hanging reply) over a real socket.
 */
export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: string
  json: unknown
}

export interface ScriptedReply {
  status?: number
  /** A string is sent as is (for malformed bodies); anything else as JSON. */
  body?: unknown
  headers?: Record<string, string>
  /** Never answer; the client's timeout must fire. */
  hang?: boolean
}

export type ScriptedHandler = (req: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>

export interface ScriptedServer {
  url: string
  requests: RecordedRequest[]
  setHandler(handler: ScriptedHandler): void
  close(): Promise<void>
}

export async function startScriptedServer(handler: ScriptedHandler): Promise<ScriptedServer> {
  let current = handler
  const requests: RecordedRequest[] = []
  const held = new Set<ServerResponse>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      const url = new URL(req.url ?? '/', 'http://localhost')
      let json: unknown
      try {
        json = body ? JSON.parse(body) : undefined
      } catch {
        json = undefined
      }
      const recorded: RecordedRequest = {method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body, json}
      requests.push(recorded)
      Promise.resolve(current(recorded)).then(
        (reply) => {
          if (reply.hang) {
            held.add(res)
            res.on('close', () => held.delete(res))
            return
          }
          const text = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body)
          res.writeHead(reply.status ?? 200, {'content-type': 'application/json', ...reply.headers})
          res.end(text)
        },
        (err: unknown) => {
          res.writeHead(599)
          res.end(String(err))
        },
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    setHandler(next) {
      current = next
    },
    async close() {
      for (const res of held) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
