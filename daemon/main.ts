import {parseArgs} from 'node:util'

import {ENV, LOG_MAX_BYTES_RANGE, readEnv, readIntEnv} from '../src/config/env.js'
import {isLoopbackHost} from '../src/core/loopback.js'
import {databaseSettingsFrom, redactDatabaseUrl, type DatabaseSettings} from '../src/config/database.js'
import {openLogFile} from '../src/log/log-file.js'
import {Store} from '../src/store/store.js'
import {createLogger, scrubSecrets} from '../src/log/logger.js'
import {startDaemon} from './server.js'
import {teamOptionsFrom, type TeamOptions} from './team-options.js'

/**
 * Process entry of the daemon:
 * `node dist/daemon/main.js [--port N] [--host H] [--no-auth] [--simulate] [--log-file PATH]`.
 * Usually started by the CLI (detached, with --log-file in the state dir); closes gracefully on
 * SIGTERM. Without --log-file it logs to stdout (`daemon start --foreground`).
 */

/**
 * Ends the log file, letting a rotation it started at open finish first: a start that fails
 * at once must not exit with the log half rotated.
 */
let flushLog: () => Promise<void> = async () => {}

async function main(): Promise<void> {
  const {values} = parseArgs({
    options: {
      port: {type: 'string', default: '8080'},
      host: {type: 'string', default: '127.0.0.1'},
      'no-auth': {type: 'boolean', default: false},
      simulate: {type: 'boolean', default: false},
      'log-file': {type: 'string'},
      // Team mode (`gpu-shopper serve`): see daemon/team-options.ts.
      'oidc-issuer': {type: 'string'},
      'oidc-audience': {type: 'string'},
      'oidc-client-id': {type: 'string'},
      'oidc-scope': {type: 'string', multiple: true},
      'oidc-introspection-client-id': {type: 'string'},
      'claim-user': {type: 'string'},
      'claim-tenant': {type: 'string'},
      'claim-role': {type: 'string'},
      'claim-groups': {type: 'string'},
      'admin-group': {type: 'string', multiple: true},
      'clock-skew': {type: 'string'},
      'tls-cert': {type: 'string'},
      'tls-key': {type: 'string'},
      'trust-proxy': {type: 'boolean', default: false},
      'rate-limit': {type: 'string'},
      'rate-limit-burst': {type: 'string'},
      // PostgreSQL (its URL only from GPU_SHOPPER_DATABASE_URL: arguments show in `ps`).
      'db-pool-size': {type: 'string'},
      'db-statement-timeout': {type: 'string'},
      'migrate-only': {type: 'boolean', default: false},
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
  let team: TeamOptions | null
  let database: DatabaseSettings | null
  try {
    database = databaseSettingsFrom({poolSize: values['db-pool-size'], statementTimeoutMs: values['db-statement-timeout']})
    if (values['migrate-only']) {
      if (!database) throw new Error(`--migrate-only migrates a PostgreSQL database: give --database postgres://… (or ${ENV.databaseUrl})`)
      process.exit(await migrateOnly(database))
    }
    team = teamOptionsFrom(values)
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(2)
  }
  // The daemon writes its log file itself so it can rotate it; what it prints outside the
  // logger (a failed start, below) still reaches the file the CLI gave it as stdout/stderr.
  const logFile = values['log-file'] ? openLogFile(values['log-file'], {maxBytes: readIntEnv(ENV.logMaxBytes, LOG_MAX_BYTES_RANGE)}) : undefined
  const log = createLogger({level: readEnv(ENV.logLevel) ?? 'info', destination: logFile})
  flushLog = () => new Promise<void>((resolve) => (logFile ? logFile.end(resolve) : resolve()))
  if (logFile) {
    // After a rotation stderr points at an old file: a crash is logged where `daemon logs` looks.
    const fatal = (err: unknown) => {
      const text = scrubSecrets(err instanceof Error ? (err.stack ?? err.message) : String(err))
      process.stderr.write(`${text}\n`)
      log.fatal({err: text}, 'daemon crashed')
      void flushLog().finally(() => process.exit(1))
    }
    process.once('uncaughtException', fatal)
    process.once('unhandledRejection', fatal)
  }
  const daemon = await startDaemon({
    host: values.host,
    port,
    auth: !values['no-auth'],
    simulate: values.simulate,
    logger: log,
    // A team server is found by its URL, not by the local CLI's state file.
    ...(team ? {oidc: team.oidc, tls: team.tls, rateLimit: team.rateLimit, writeState: false} : {}),
    database,
  })
  const shutdown = (signal: string) => {
    daemon.ctx.log.info({signal}, 'shutting down')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    daemon.close().then(
      () => flushLog().then(() => process.exit(0)),
      (err) => {
        daemon.ctx.log.error({err: String(err)}, 'shutdown failed')
        void flushLog().finally(() => process.exit(1))
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

/** Brings the schema up to date (under the migration lock) and says where it stands. */
async function migrateOnly(database: DatabaseSettings): Promise<number> {
  try {
    const store = await Store.connect({url: database.url, poolSize: 1, statementTimeoutMs: 0, applicationName: 'gpu-shopper migrate'})
    const version = await store.db.schemaVersion()
    await store.close()
    process.stdout.write(`${JSON.stringify({migrated: true, schema_version: version, database: redactDatabaseUrl(database.url)})}\n`)
    return 0
  } catch (err) {
    process.stderr.write(`migrating ${redactDatabaseUrl(database.url)} failed: ${scrubSecrets((err as Error).message)}\n`)
    return 1
  }
}

main().catch(async (err: unknown) => {
  await flushLog().catch(() => {})
  const message = err instanceof Error ? err.message : String(err)
  const hint = /EADDRINUSE/.test(message) ? ' (the port is taken: another daemon may be running; try `gpu-shopper daemon status` or --port 0)' : ''
  process.stderr.write(`gpu-shopper daemon failed to start: ${message}${hint}\n`)
  process.exit(1)
})
