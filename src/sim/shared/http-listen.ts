import type {Server} from 'node:http'
import type {AddressInfo} from 'node:net'

/** Listens and returns the base URL clients use (`0.0.0.0` is reached through 127.0.0.1). */
export async function listenHttp(server: Server, host: string, port: number): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host
  return `http://${urlHost}:${address.port}`
}

/** Stops listening and cuts open connections (held responses included) so close() never hangs. */
export function closeHttp(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}
