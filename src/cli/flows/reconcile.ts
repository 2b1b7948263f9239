import {spawn} from 'node:child_process'

import {reconcileRunnerCommand} from '../../client/daemon-process.js'
import {connectToDaemon, localDaemonRunning} from '../../client/ensure-daemon.js'
import {DaemonUnreachableError} from '../../client/errors.js'
import {ENV, readEnv} from '../../config/env.js'
import type {ReconcileReply} from '../../core/api/reconcile.js'
import type {ReconcileResult} from '../output/columns/reconcile.js'
import {EXIT} from '../exit-codes.js'
import {UserError} from '../errors.js'

export interface ReconcileOptions {
  dryRun: boolean
  /** `--server`; GPU_SHOPPER_SERVER is read from env otherwise. */
  server?: string
  env?: NodeJS.ProcessEnv
  narrate?: (message: string) => void
  signal?: AbortSignal
  /** The offline runner's command; tests point it at a stand-in. */
  runnerCommand?: string[]
}

/**
 * `gpu-shopper reconcile`. The decision table:
 *
 * | situation                                   | action                                              |
 * |---------------------------------------------|-----------------------------------------------------|
 * | `--server` or GPU_SHOPPER_SERVER set        | POST /api/v1/reconcile on that server               |
 * | local daemon running (state file, live pid) | POST /api/v1/reconcile on it                        |
 * | no local daemon                             | the offline runner: providers directly, no daemon   |
 *
 * No daemon is ever started here: starting one would reconcile by itself (with a grace period
 * for orphans) and then keep running, which is not what a user who stopped it asked for.
 */
export async function runReconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const env = options.env ?? process.env
  const narrate = options.narrate ?? (() => {})
  const server = options.server ?? readEnv(ENV.server, env)
  if (server || (await localDaemonRunning(env))) {
    try {
      // 'replace': a daemon of another version is restarted as ours, as any command would.
      const {client, mode} = await connectToDaemon({server, env, narrate, autoStart: 'replace'})
      narrate(`Reconciling via the ${mode === 'remote' ? 'server' : 'daemon'}${options.dryRun ? ' (dry run)' : ''}…`)
      const reply = await client.reconcile({dry_run: options.dryRun}, {signal: options.signal})
      return {mode: 'daemon', ...reply}
    } catch (err) {
      // The daemon stopped between our look at its state file and the call: go offline.
      if (server || !(err instanceof DaemonUnreachableError) || (await localDaemonRunning(env))) throw err
    }
  }
  narrate(`The daemon is not running: talking to the providers directly${options.dryRun ? ' (dry run)' : ''}…`)
  const reply = await runOfflineReconcile({dryRun: options.dryRun, env, signal: options.signal, command: options.runnerCommand})
  return {mode: 'offline', ...reply}
}

// Listing every provider's instances and destroying orphans one by one; a stuck provider call
// has its own deadline inside the runner, this only bounds a runner that hangs altogether.
const OFFLINE_TIMEOUT_MS = 5 * 60_000

/**
 * Runs `dist/daemon/reconcile-main.js` with our environment (GPU_SHOPPER_HOME and the provider
 * keys) and reads the one JSON line it prints. It takes the daemon's lock, so a daemon cannot
 * start while it runs.
 */
export async function runOfflineReconcile(options: {dryRun: boolean; env: NodeJS.ProcessEnv; signal?: AbortSignal; command?: string[]}): Promise<ReconcileReply> {
  const [executable, ...prefix] = options.command ?? reconcileRunnerCommand()
  const args = [...prefix, ...(options.dryRun ? ['--dry-run'] : [])]
  const {code, stdout, stderr} = await new Promise<{code: number | null; stdout: string; stderr: string}>((resolve, reject) => {
    const child = spawn(executable!, args, {env: options.env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal, timeout: OFFLINE_TIMEOUT_MS})
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
    child.on('error', reject)
    child.on('close', (exitCode, signal) => resolve({code: exitCode ?? (signal ? 128 : null), stdout: out, stderr: err}))
  })
  if (code !== 0) throw offlineFailure(stderr, code)
  const reply = parseReconcileLine(stdout)
  if (!reply) {
    throw new UserError('the offline reconcile printed no report', {
      errorType: 'internal_error',
      exitCode: EXIT.INTERNAL,
      fix: 'This is a bug; re-run with DEBUG=* and report it.',
      details: {stdout: stdout.slice(-500), stderr: stderr.slice(-500)},
    })
  }
  return reply
}

/** The last stdout line that is a reconcile report; the runner prints exactly one. */
export function parseReconcileLine(stdout: string): ReconcileReply | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean).reverse()
  for (const line of lines) {
    try {
      const value = JSON.parse(line) as Partial<ReconcileReply>
      if (value && Array.isArray(value.orphans) && Array.isArray(value.ghosts) && Array.isArray(value.errors)) {
        return {adopted: [], foreign_instances: 0, ...value} as ReconcileReply
      }
    } catch {
      // A log line: keep looking.
    }
  }
  return null
}

/**
 * The runner's failure as a UserError. Its message is its last plain stderr line (pino's JSON
 * log lines, if any, come before it).
 */
export function offlineFailure(stderr: string, code: number | null): UserError {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('{'))
  const message = lines.at(-1) ?? `the offline reconcile exited with code ${code ?? 'unknown'}`
  const details = {runner_exit_code: code}
  if (/already owns|daemon lock/.test(message)) {
    return new UserError(`${message}; nothing was reconciled`, {
      errorType: 'conflict',
      exitCode: EXIT.CONFLICT,
      fix: 'A daemon started meanwhile: run `gpu-shopper reconcile` again to reconcile through it.',
      details,
    })
  }
  if (/no provider is configured/.test(message)) {
    return new UserError(`${message}; nothing was reconciled`, {
      errorType: 'usage_error',
      exitCode: EXIT.USAGE,
      fix: 'Export the provider keys the daemon runs with (VASTAI_API_KEY, TENSORDOCK_API_TOKEN), or start the daemon and run `gpu-shopper reconcile` again.',
      details,
    })
  }
  if (/never run a daemon/.test(message)) {
    return new UserError(message, {
      errorType: 'not_found',
      exitCode: EXIT.NOT_FOUND,
      fix: 'Check GPU_SHOPPER_HOME: it must be the one your daemon runs with.',
      details,
    })
  }
  return new UserError(`the offline reconcile failed: ${message}`, {
    errorType: 'internal_error',
    exitCode: EXIT.INTERNAL,
    fix: 'Retry; if it fails again, start the daemon (`gpu-shopper daemon start`) and run `gpu-shopper reconcile` through it.',
    details,
  })
}
