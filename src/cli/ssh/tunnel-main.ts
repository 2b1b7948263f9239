import {pipeline} from 'node:stream'

import {createWebSocketStream, WebSocket} from 'ws'

import {bearerForServer} from '../../client/auth/access-token.js'
import {ENV, readEnv} from '../../config/env.js'

/**
 * ssh's ProxyCommand for a session behind a self-hosted node of a team server:
 * `node tunnel-main.js SESSION_ID SERVER_URL`. It carries one SSH connection on its stdin and
 * stdout through the server's tunnel (the node's key never leaves the server), with the bearer
 * token every other command would use. stdout is the connection: messages go to stderr, which
 * ssh shows.
 */
async function main(): Promise<number> {
  const [sessionId, server] = process.argv.slice(2)
  if (!sessionId || !server) {
    process.stderr.write('usage: tunnel-main.js SESSION_ID SERVER_URL (run by ssh as a ProxyCommand)\n')
    return 2
  }
  const token = readEnv(ENV.token) ?? (await bearerForServer(server))?.accessToken
  if (!token) {
    process.stderr.write(`gpu-shopper: not logged in to ${server}; run \`gpu-shopper auth login --server ${server}\`\n`)
    return 1
  }
  const url = new URL(`/api/v1/sessions/${encodeURIComponent(sessionId)}/ssh-tunnel`, server)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const socket = new WebSocket(url, {headers: {authorization: `Bearer ${token}`}})
  return new Promise((resolve) => {
    socket.once('unexpected-response', (_request, response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
      response.on('end', () => {
        let said = body
        try {
          said = (JSON.parse(body) as {error?: string}).error ?? body
        } catch {
          // Not our JSON (a proxy's page): shown as it is.
        }
        process.stderr.write(`gpu-shopper: the server refused the tunnel to ${sessionId} (${response.statusCode}): ${said}\n`)
        resolve(1)
      })
    })
    socket.once('error', (err) => {
      process.stderr.write(`gpu-shopper: tunnel to ${sessionId} through ${server} failed: ${err.message}\n`)
      resolve(1)
    })
    socket.once('close', (code, reason) => {
      if (code !== 1000 && code !== 1005 && reason.length > 0) process.stderr.write(`gpu-shopper: the server closed the tunnel: ${reason.toString('utf8')}\n`)
    })
    socket.once('open', () => {
      const stream = createWebSocketStream(socket)
      pipeline(process.stdin, stream, process.stdout, () => resolve(0))
    })
  })
}

process.exitCode = await main()
