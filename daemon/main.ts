import {parseArgs} from 'node:util'

import {isLoopbackHost} from '../src/core/loopback.js'
import {startDaemon} from './server.js'

/**
 * Process entry of the daemon: `node dist/daemon/main.js [--port N] [--host H] [--no-auth] [--simulate]`.
 * Usually started by the CLI (detached, logs to the state dir); closes gracefully on SIGTERM.
 */
async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      port: {type: 'string', default: '8080'},
      host: {type: 'string', default: '127.0.0.1'},
      'no-auth': {type: 'boolean', default: false},
      simulate: {type: 'boolean', default: false},
    },
    strict: true,
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`--port must be a whole number from 0 to 65535, got "${values.port}"\n`)
    process.exit(2)
  }
  if (values['no-auth'] && !isLoopbackHost(values.host)) {
    process.stderr.write(`--no-auth is only allowed on a loopback address; ${values.host} would expose an unauthenticated API\n`)
    process.exit(2)
  }
  const daemon = await startDaemon({host: values.host, port, auth: !values['no-auth'], simulate: values.simulate})
  const shutdown = (signal: string) => {
    daemon.ctx.log.info({signal}, 'shutting down')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    daemon.close().then(
      () => process.exit(0),
      (err) => {
        daemon.ctx.log.error({err: String(err)}, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err)
  const hint = /EADDRINUSE/.test(message) ? ' (the port is taken: another daemon may be running; try `gpu-shopper daemon status` or --port 0)' : ''
  process.stderr.write(`gpu-shopper daemon failed to start: ${message}${hint}\n`)
  process.exit(1)
})
