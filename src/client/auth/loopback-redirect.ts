import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface LoopbackRedirect {
  /** `http://127.0.0.1:<port>/callback`, what the IdP sends the browser back to. */
  redirectUri: string
  /**
   * Resolves with the callback URL the browser brought (code and state, or error). The browser
   * waits for `reply` so its tab can say how the login ended.
   */
  callback(signal: AbortSignal): Promise<{url: URL; reply(ok: boolean, message: string): void}>
  close(): Promise<void>
}

/**
 * The native app's redirect of RFC 8252 §7.3: a one-shot HTTP listener on the IPv4 loopback
 * literal and an ephemeral port, for the IdP's redirect `http://127.0.0.1/callback` registered
 * without a port. 127.0.0.1 rather than `localhost`, which may resolve to ::1 where nothing
 * listens. Other paths (a browser's /favicon.ico) get 404 and do not end the wait.
 */
export async function listenForRedirect(): Promise<LoopbackRedirect> {
  let deliver: ((value: {url: URL; reply(ok: boolean, message: string): void}) => void) | undefined
  const arrived = new Promise<{url: URL; reply(ok: boolean, message: string): void}>((resolve) => (deliver = resolve))
  let delivered = false
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1`)
    if (url.pathname !== '/callback' || delivered) {
      res.writeHead(404, {'content-type': 'text/plain'}).end('not found')
      return
    }
    delivered = true
    url.port = String(port)
    deliver!({
      url,
      reply(ok, message) {
        res.writeHead(ok ? 200 : 400, {'content-type': 'text/html; charset=utf-8', connection: 'close'})
        res.end(page(ok, message))
      },
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    callback(signal) {
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason)
        if (signal.aborted) return onAbort()
        signal.addEventListener('abort', onAbort, {once: true})
        void arrived.then((value) => {
          signal.removeEventListener('abort', onAbort)
          resolve(value)
        })
      })
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function page(ok: boolean, message: string): string {
  const escaped = message.replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'})[c]!)
  return `<!doctype html><html><head><meta charset="utf-8"><title>gpu-shopper login ${ok ? 'complete' : 'failed'}</title></head><body><h1>${ok ? 'Logged in' : 'Login failed'}</h1><p>${escaped}</p></body></html>`
}
