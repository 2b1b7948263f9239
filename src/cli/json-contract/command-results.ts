import {z} from 'zod'

import {BudgetRemovedReply} from '../../core/api/budgets.js'
import {MessageReply} from '../../core/api/common.js'
import {CostsReply, SessionCostReply} from '../../core/api/costs.js'
import {ProviderStatus} from '../../core/api/health.js'
import {OfferDto} from '../../core/api/inventory.js'
import {ReconcileReply} from '../../core/api/reconcile.js'
import {SessionDto, SessionsReply} from '../../core/api/sessions.js'
import {TerminalTokenReply} from '../../core/api/terminal.js'

/**
 * The `--json` data of commands whose result the CLI composes itself, as zod schemas: the
 * source of `schemas/commands/*.json`. A command that prints an API reply as it came follows
 * that reply's schema in src/core/api instead; these reuse those schemas wherever a reply is
 * part of the result. The TypeScript types the commands return are checked against these
 * (test/command-data-types.test.ts), and the real output against the generated files (test/e2e).
 */

/** The daemon's state file as `daemon start` and `daemon status` show it: never the token. */
const daemonStateFields = {
  pid: z.number().int(),
  url: z.string(),
  host: z.string(),
  port: z.number().int(),
  version: z.string(),
  deployment_id: z.string(),
  simulated: z.boolean(),
  auth: z.boolean().describe('false when started with --no-auth'),
  started_at: z.string(),
}

export const DaemonStarted = z
  .object({
    ...daemonStateFields,
    already_running: z.boolean().describe('true when a daemon with these options was running already and was left as it was'),
    log_file: z.string(),
  })
  .describe('The daemon that runs now. `daemon start --foreground` prints nothing once it has stopped.')

export const DaemonStatus = z
  .object({
    running: z.boolean(),
    healthy: z.boolean(),
    pid: z.number().int().nullable(),
    url: z.string().nullable(),
    version: z.string().nullable(),
    cli_version: z.string(),
    deployment_id: z.string().nullable(),
    simulated: z.boolean().nullable(),
    auth: z.boolean().nullable(),
    started_at: z.string().nullable(),
    uptime_seconds: z.number().nullable(),
    providers: z.array(ProviderStatus),
    state_file: z.string(),
    log_file: z.string(),
    problem: z.string().optional().describe('Why a running daemon is not healthy'),
  })
  .describe('A daemon that runs. When none runs the command fails (exit 5) with error_type daemon_not_running.')

export const DaemonStopped = z.object({
  stopped: z.boolean().describe('false when no daemon was running'),
  pid: z.number().int().nullable(),
  removedStaleState: z.boolean().describe('A state file of a daemon that had died was removed'),
})

export const DaemonToken = z.object({
  token: z.string().nullable().describe('null when the daemon runs with --no-auth'),
  url: z.string(),
})

export const DaemonLogs = z
  .object({log_file: z.string(), lines: z.array(z.string()).describe('The last log lines, each a JSON document as text')})
  .describe('`daemon logs --follow` cannot be combined with --json.')

export const SimulatorUrls = z
  .object({vastai_url: z.string(), tensordock_url: z.string()})
  .describe('Printed as soon as the simulators listen; the command then runs until Ctrl-C.')

export const ProvisionResult = z.object({
  session: SessionDto,
  ssh_key_path: z.string().nullable().describe('The session\'s private key on this machine (0600); null for a repeat whose session has ended'),
  ssh_command: z.string().nullable(),
  idempotency_key: z.string(),
})

export const SessionsOrSession = z.union([SessionsReply, SessionDto]).describe('A list of sessions, or with --id the one session.')

export const SessionReleased = MessageReply.extend({
  session: SessionDto.optional().describe('With --wait: the session once stopped'),
})

export const CostsOrSessionCost = z
  .union([SessionCostReply, CostsReply])
  .describe('With --session-id that session\'s cost; otherwise the totals for the filters given.')

export const BudgetRemoved = BudgetRemovedReply.extend({consumer_id: z.string()})

const connectTarget = {session_id: z.string()}

export const ConnectResult = z
  .discriminatedUnion('mode', [
    z.object({
      ...connectTarget,
      mode: z.literal('ssh'),
      ssh_command: z.string().describe('The ssh command line, ready to paste into a shell'),
      ssh_argv: z.array(z.string()).describe('The same command as an argument vector, "ssh" first'),
      local_api: z.string().optional().describe('With --forward api: where the session\'s api_endpoint is offered on this machine while ssh runs'),
    }),
    z.object({
      ...connectTarget,
      mode: z.literal('terminal'),
      page_url: TerminalTokenReply.shape.page_url,
      expires_in: TerminalTokenReply.shape.expires_in,
    }),
  ])
  .describe('With --json the ssh command is printed, never run (as with --print).')

export const CopyOutcome = z.object({
  direction: z.enum(['upload', 'download']),
  local: z.string(),
  remote: z.string(),
  bytes: z.number().int(),
})

/** A line of the ledger CSV (`costs export`): its header's column names, numbers as numbers. */
const LedgerRow = z.object({
  session_id: z.string(),
  consumer_id: z.string(),
  provider: z.string(),
  gpu_type: z.string(),
  period_start: z.string(),
  period_end: z.string(),
  seconds: z.number(),
  price_per_hour_usd: z.number(),
  amount_usd: z.number(),
  amount_micro_usd: z.number().int(),
  component: z.enum(['compute', 'storage', 'settlement']),
})

export const LEDGER_ROW_COLUMNS = Object.keys(LedgerRow.shape)

export const CostsExport = z.object({
  path: z.string().optional().describe('Where the CSV was written, with --output-file'),
  rows: z.array(LedgerRow),
})

export const DemoSummary = z.object({
  simulated: z.boolean(),
  daemon_url: z.string(),
  deployment_id: z.string(),
  cheapest_offers: z.array(OfferDto),
  offer: OfferDto,
  session_id: z.string(),
  ssh: z.object({host: z.string(), port: z.number().int(), user: z.string(), host_key_fingerprint: z.string().nullable()}),
  nvidia_smi: z.object({exit_code: z.number().int().nullable(), stdout: z.string()}),
  new_expires_at: z.string(),
  final_status: z.string(),
  total_cost: z.number(),
  total_cost_micro_usd: z.number().int(),
  hours_used: z.number(),
  duration_ms: z.number(),
})

export const ReconcileResult = ReconcileReply.extend({
  mode: z.enum(['daemon', 'offline']).describe('daemon: the running daemon reconciled; offline: none ran, the CLI asked the providers itself'),
}).describe('When a provider could not be reconciled the command fails (exit 6) and this report is the error\'s `report`.')

export const SshConfigWritten = z.object({
  file: z.string(),
  hosts: z.array(z.string()).describe('The `Host` aliases written, one per running session'),
  included: z.boolean().describe('~/.ssh/config includes the file (now, or it did already)'),
  includeAdded: z.boolean().describe('This run added the Include line'),
})

export const NoData = z.never().describe('No data: the command is interactive and fails under --json with error_type usage_error.')

const tokenStore = z.enum(['keychain', 'file']).describe('keychain: the OS keychain (Secret Service on Linux); file: a 0600 file in the config directory')

export const AuthLogin = z
  .object({
    server: z.string(),
    flow: z.enum(['browser', 'device', 'token']).describe('browser: authorization code + PKCE; device: the device flow; token: --with-token'),
    user: z.string().nullable().describe('null when the server did not answer /api/v1/auth/whoami'),
    tenant: z.string().nullable(),
    role: z.string().nullable(),
    expires_at: z.number().nullable().describe('When the access token expires, epoch ms; null when unknown'),
    refreshable: z.boolean().describe('A refresh token is stored: the login renews itself'),
    store: tokenStore,
    store_location: z.string().describe('The keychain\'s name or the file\'s path'),
  })
  .describe('The tokens themselves are never printed; `auth token` prints the access token.')

export const AuthStatus = z
  .object({
    server: z.string(),
    user: z.string(),
    tenant: z.string(),
    role: z.string(),
    expires_at: z.number().nullable().describe('When the access token expires, epoch ms; null when unknown'),
    expires_in_seconds: z.number().int().nullable(),
    source: z.enum(['env', 'keychain', 'file']).describe('env: GPU_SHOPPER_TOKEN (the store is not read); otherwise the store holding the login'),
    store_location: z.string().nullable().describe('The keychain\'s name or the file\'s path; null for GPU_SHOPPER_TOKEN'),
    refreshable: z.boolean(),
  })
  .describe('Not logged in exits 8 with error_type not_logged_in; a login that cannot be renewed, login_required.')

export const AuthLogout = z.object({
  server: z.string(),
  was_logged_in: z.boolean(),
  revocation: z
    .enum(['revoked', 'unsupported', 'failed', 'not_applicable'])
    .describe('What the IdP was told; the stored login is deleted in every case'),
  deleted_from: z.array(tokenStore),
})

export const AuthToken = z.object({
  token: z.string().describe('The access token: the only --json output that carries one'),
  server: z.string(),
  expires_at: z.number().nullable(),
})
