import type {IncomingMessage} from 'node:http'

// Taken from process.getBuiltinModule, not imported: since Node 22 an ESM import of node:http
// evaluates every export, lazy ones included, and one (WebSocket) loads undici, about as long
// again as Node's own start. Node 20 has no such export; both have getBuiltinModule.
const http = process.getBuiltinModule('node:http')

/**
 * The slice of `fetch` the client uses, over node:http. On Node 20 the first global `fetch`
 * loads undici and costs ~110 ms of CLI start-up (measured with hyperfine: `node -e "fetch(...)"`
 * 173 ms vs node:http 71 ms vs `node -e 0` 58 ms); every command pays it, so we do not.
 */
export interface HttpResponse {
  ok: boolean
  status: number
  statusText: string
  headers: {get(name: string): string | null; has(name: string): boolean}
  text(): Promise<string>
  json(): Promise<unknown>
  /** The raw body stream, for Server-Sent Events. */
  body: AsyncIterable<Uint8Array> & {cancel(): Promise<void>}
}

export interface HttpRequestInit {
  method?: string
  headers?: Record<string, string>
  body?: string
  signal?: AbortSignal
}

export type HttpFetch = (url: string | URL, init?: HttpRequestInit) => Promise<HttpResponse>

export const httpFetch: HttpFetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? new URL(input) : input
  const request = url.protocol === 'https:' ? process.getBuiltinModule('node:https').request : http.request
  return new Promise<HttpResponse>((resolve, reject) => {
    const signal = init.signal
    if (signal?.aborted) return reject(signal.reason)
    const headers: Record<string, string> = {...init.headers}
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body))
    const req = request(url, {method: init.method ?? 'GET', headers})
    const onAbort = () => req.destroy(signal!.reason instanceof Error ? signal!.reason : new Error(String(signal!.reason)))
    signal?.addEventListener('abort', onAbort, {once: true})
    req.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort)
      reject(signal?.aborted ? signal.reason : err)
    })
    req.on('response', (res) => resolve(toResponse(res, () => signal?.removeEventListener('abort', onAbort))))
    req.end(init.body)
  })
}

function toResponse(res: IncomingMessage, done: () => void): HttpResponse {
  res.on('end', done)
  res.on('close', done)
  const status = res.statusCode ?? 0
  const header = (name: string) => {
    const value = res.headers[name.toLowerCase()]
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
  }
  const text = async () => {
    const chunks: Buffer[] = []
    for await (const chunk of res) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: res.statusMessage ?? '',
    headers: {get: header, has: (name) => header(name) !== null},
    text,
    json: async () => JSON.parse(await text()),
    body: Object.assign(res as AsyncIterable<Uint8Array>, {
      async cancel() {
        res.destroy()
      },
    }),
  }
}
