import {Flags} from '@oclif/core'

import {BaseCommand} from '../src/cli/base-command.js'
import {UserError} from '../src/cli/errors.js'
import {EXIT} from '../src/cli/exit-codes.js'
import {runDaemonForeground} from '../src/client/daemon-process.js'
import {databaseSettingsFrom, type DatabaseSettings} from '../src/config/database.js'
import {ENV} from '../src/config/env.js'
import {resolveRateLimit} from '../src/config/rate-limit.js'
import {insecureListenProblem, parseListenAddress} from '../src/core/listen-address.js'

export default class Serve extends BaseCommand {
  static override summary = 'Run the server for a team: users log in through your OpenID Connect provider'
  static override description =
    'The same daemon as the local one, in team mode: every request carries a user\'s access token from your IdP (checked against its keys, issuer and audience), mapped to a user, a tenant and a role; each tenant sees only its own sessions, keys, budgets and costs, and every change is in the audit log. Teammates run `gpu-shopper auth login --server URL`. Runs in the foreground until Ctrl-C or SIGTERM.'

  static override examples = [
    '<%= config.bin %> serve --listen 0.0.0.0:8443 --oidc-issuer https://login.example.com/realms/ml --oidc-audience https://gpu.example.com/api --tls-cert server.crt --tls-key server.key',
    '<%= config.bin %> serve --listen 127.0.0.1:8080 --oidc-issuer https://idp.example.com --oidc-audience gpu-shopper --trust-proxy',
    'GPU_SHOPPER_DATABASE_URL=postgres://gpu:PASSWORD@db.internal:5432/gpu_shopper <%= config.bin %> serve --listen 0.0.0.0:8443 --oidc-issuer https://idp.example.com --oidc-audience gpu-shopper --tls-cert server.crt --tls-key server.key',
    '<%= config.bin %> serve --database postgres://gpu@db.internal/gpu_shopper --migrate-only',
  ]

  static override flags = {
    listen: Flags.string({description: 'HOST:PORT to listen on (anything but loopback needs TLS or --trust-proxy)', default: '127.0.0.1:8443'}),
    'oidc-issuer': Flags.string({description: 'Your IdP\'s issuer URL, exactly as its tokens\' "iss" says it (required)'}),
    'oidc-audience': Flags.string({description: 'The audience ("aud") your IdP puts in access tokens for this server (required)'}),
    'oidc-client-id': Flags.string({description: 'The CLI\'s public client id at the IdP (told to `auth login`)', default: 'gpu-shopper-cli'}),
    'oidc-scope': Flags.string({description: 'Scopes `auth login` asks for (repeatable; default openid profile email offline_access)', multiple: true}),
    'oidc-introspection-client-id': Flags.string({
      description: `This server's confidential client id, to introspect opaque (non-JWT) access tokens; its secret comes from ${ENV.oidcClientSecret}`,
    }),
    'claim-user': Flags.string({description: 'Claim that names the user', default: 'sub'}),
    'claim-tenant': Flags.string({description: 'Claim that names the tenant', default: 'tenant'}),
    'claim-role': Flags.string({description: 'Claim whose value "admin" makes an admin (optional)'}),
    'claim-groups': Flags.string({description: 'Claim listing the user\'s groups', default: 'groups'}),
    'admin-group': Flags.string({description: 'Group whose members are admins (repeatable; default gpu-admins)', multiple: true}),
    'clock-skew': Flags.integer({description: 'Seconds of clock skew allowed on token times', default: 30}),
    'tls-cert': Flags.string({description: 'PEM certificate (chain) to serve HTTPS with'}),
    'tls-key': Flags.string({description: 'PEM private key of --tls-cert'}),
    'trust-proxy': Flags.boolean({
      description: 'A TLS-terminating proxy is in front: allow plain HTTP on a non-loopback address, accept any Host, and build links from its X-Forwarded-Proto and X-Forwarded-Host',
    }),
    'rate-limit': Flags.string({description: `Requests a second per user (0 = off; also ${ENV.rateLimit}; default 20)`}),
    'rate-limit-burst': Flags.string({description: `Requests a user may send back to back (also ${ENV.rateLimitBurst}; default 60)`}),
    'data-dir': Flags.string({description: `Where the server keeps its database and keys (also ${ENV.home}); keep it apart from a local daemon's`}),
    simulate: Flags.boolean({description: 'Use the built-in simulated marketplaces (a demo or a trial run)'}),
    database: Flags.string({
      description: `PostgreSQL for several server processes: postgres://USER:PASSWORD@HOST:5432/DB (also ${ENV.databaseUrl}, which keeps the password out of \`ps\`); without it, the data dir's SQLite file`,
    }),
    'db-pool-size': Flags.string({description: 'Database connections this process keeps at most (default 10)'}),
    'db-statement-timeout': Flags.string({description: 'Milliseconds a database statement may run before it is cancelled (0 = no limit; default 30000)'}),
    'migrate-only': Flags.boolean({description: 'Bring the PostgreSQL schema up to date and exit (before rolling out a new version)'}),
  }

  static override readonly dataSchema = 'NoData'

  async run(): Promise<undefined> {
    const {flags} = await this.parse(Serve)
    if (this.jsonEnabled()) {
      throw new UserError('The server runs until stopped and has no JSON result; it logs JSON lines on stdout.', {
        errorType: 'usage_error',
        exitCode: EXIT.USAGE,
        fix: 'Run it without --json (its log is one JSON object per line), under systemd or your process manager.',
      })
    }
    let database: DatabaseSettings | null
    try {
      database = databaseSettingsFrom({url: flags.database, poolSize: flags['db-pool-size'], statementTimeoutMs: flags['db-statement-timeout']})
    } catch (err) {
      throw new UserError((err as Error).message, {fix: 'Give --database postgres://USER:PASSWORD@HOST:5432/DATABASE (or set GPU_SHOPPER_DATABASE_URL), a pool size of 1 or more, and a timeout in milliseconds.'})
    }
    // The URL reaches the server in its environment, never its arguments: it may hold a password.
    const env = {...process.env, ...(flags['data-dir'] ? {[ENV.home]: flags['data-dir']} : {}), ...(database ? {[ENV.databaseUrl]: database.url} : {})}
    const dbArgs = [
      ...(flags['db-pool-size'] ? ['--db-pool-size', flags['db-pool-size']] : []),
      ...(flags['db-statement-timeout'] ? ['--db-statement-timeout', flags['db-statement-timeout']] : []),
    ]
    if (flags['migrate-only']) {
      if (!database) throw new UserError('--migrate-only migrates a PostgreSQL database, and none was given', {fix: `Give --database postgres://… or set ${ENV.databaseUrl}.`})
      const code = await runDaemonForeground({env, extraArgs: ['--migrate-only', ...dbArgs]})
      if (code !== 0) throw new UserError('the migration failed', {errorType: 'migration_failed', exitCode: EXIT.UNREACHABLE, fix: 'Read its output above; the database was left at its last complete version.'})
      return undefined
    }
    for (const flag of ['oidc-issuer', 'oidc-audience'] as const) {
      if (!flags[flag]) throw new UserError(`--${flag} is required`, {errorType: 'usage_error', exitCode: EXIT.USAGE, fix: 'Give your IdP\'s issuer URL (--oidc-issuer) and the audience of its access tokens for this server (--oidc-audience).'})
    }
    const listen = parseListenAddress(flags.listen)
    if (!listen) throw new UserError(`--listen "${flags.listen}" is not HOST:PORT`, {fix: 'Give e.g. --listen 0.0.0.0:8443 or --listen 127.0.0.1:8080.'})
    if (Boolean(flags['tls-cert']) !== Boolean(flags['tls-key'])) {
      throw new UserError('--tls-cert and --tls-key go together', {fix: 'Give both the certificate and its private key, or neither (loopback or --trust-proxy).'})
    }
    const insecure = insecureListenProblem(listen.host, Boolean(flags['tls-cert']), flags['trust-proxy'])
    if (insecure) {
      throw new UserError(insecure, {fix: 'Give --tls-cert and --tls-key, or --trust-proxy when a TLS proxy terminates HTTPS in front of this server, or listen on 127.0.0.1.'})
    }
    try {
      resolveRateLimit({requestsPerSecond: flags['rate-limit'], burst: flags['rate-limit-burst']})
    } catch (err) {
      throw new UserError((err as Error).message, {fix: 'Give --rate-limit as requests a second (0 turns it off) and --rate-limit-burst as a whole number of requests.'})
    }
    const pass = (flag: keyof typeof flags): string[] => {
      const value = flags[flag]
      if (value === undefined || value === false) return []
      if (value === true) return [`--${flag}`]
      return (Array.isArray(value) ? value : [value]).flatMap((v) => [`--${flag}`, String(v)])
    }
    const extraArgs = (
      [
        'oidc-issuer',
        'oidc-audience',
        'oidc-client-id',
        'oidc-scope',
        'oidc-introspection-client-id',
        'claim-user',
        'claim-tenant',
        'claim-role',
        'claim-groups',
        'admin-group',
        'clock-skew',
        'tls-cert',
        'tls-key',
        'trust-proxy',
        'rate-limit',
        'rate-limit-burst',
      ] as const
    ).flatMap(pass)
    this.narrate(`Serving the team on ${flags['tls-cert'] ? 'https' : 'http'}://${flags.listen} with logins from ${flags['oidc-issuer']}; Ctrl-C stops it.`)
    const code = await runDaemonForeground({host: listen.host, port: listen.port, simulate: flags.simulate, env, extraArgs: [...extraArgs, ...dbArgs]})
    if (code !== 0 && code !== 130 && code !== 143) {
      throw new UserError(`the server exited with code ${code}`, {errorType: 'daemon_start_failed', exitCode: EXIT.UNREACHABLE, fix: 'Read its output above.'})
    }
    return undefined
  }
}
