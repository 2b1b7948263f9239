import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {type FileHandle, mkdir, open} from 'node:fs/promises'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import {DAEMON_V8_FLAGS, withDaemonAllocator} from '../config/daemon-memory.js'
import {type AppPaths, appPaths, daemonLogFile, packageRoot} from '../config/paths.js'
import {createApiClient} from './api-client.js'
import {type DaemonState, isDaemonProcess, isProcessAlive, readDaemonState, removeDaemonState} from './daemon-state.js'
import {probeHealth} from './daemon-health.js'
import {DaemonStartError} from './errors.js'
import {fileSize, readLastLines} from './log-tail.js'

export interface StartDaemonOptions {
  port?: number
  host?: string
  noAuth?: boolean
  simulate?: boolean
  /** The daemon's environment (GPU_SHOPPER_HOME decides where its state lives); defaults to ours. */
  env?: NodeJS.ProcessEnv
  /** How long the daemon may take to answer /health at all before we give up. */
  timeoutMs?: number
  /**
   * How long start-up may take in all once the daemon answers that it is still reconciling: it
   * is alive and talking to every provider and node, and one that is slow (a loaded node over
   * SSH) is no reason to kill it.
   */
  reconcileTimeoutMs?: number
  /** The command that runs the daemon; tests point this at a stand-in. */
  command?: string[]
  /** More daemon arguments (a team server's, from `gpu-shopper serve`). */
  extraArgs?: readonly string[]
}

// Listening takes a second or two; start-up reconciliation talks to every configured provider
// and node, which a slow one can stretch well past that.
const START_TIMEOUT_MS = 30_000
const RECONCILE_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 10_000
const POLL_MS = 100
const LOG_TAIL_LINES = 20

/** `node dist/daemon/main.js`, or the TypeScript source through tsx when running from a checkout. */
export function daemonCommand(): string[] {
  const root = packageRoot()
  const built = join(root, 'dist', 'daemon', 'main.js')
  if (existsSync(built)) return [process.execPath, ...DAEMON_V8_FLAGS, built]
  const source = join(root, 'daemon', 'main.ts')
  if (existsSync(source)) return [process.execPath, ...DAEMON_V8_FLAGS, '--import', 'tsx', source]
  return [process.execPath, ...DAEMON_V8_FLAGS, built]
}

/**
 * The offline reconcile runner (`dist/daemon/reconcile-main.js`), for when no daemon runs; the
 * TypeScript source through tsx when running from a checkout, as for the daemon itself.
 */
export function reconcileRunnerCommand(): string[] {
  const root = packageRoot()
  const built = join(root, 'dist', 'daemon', 'reconcile-main.js')
  if (existsSync(built)) return [process.execPath, built]
  const source = join(root, 'daemon', 'reconcile-main.ts')
  if (existsSync(source)) return [process.execPath, '--import', 'tsx', source]
  return [process.execPath, built]
}

export function daemonArgs(options: StartDaemonOptions): string[] {
  const args: string[] = []
  if (options.port !== undefined) args.push('--port', String(options.port))
  if (options.host !== undefined) args.push('--host', options.host)
  if (options.noAuth) args.push('--no-auth')
  if (options.simulate) args.push('--simulate')
  if (options.extraArgs) args.push(...options.extraArgs)
  return args
}

/**
 * Starts the daemon detached with its output appended to the log file, then waits until the
 * state file names the child and `/health` says ok. On any failure the error carries the log
 * lines this start wrote, and a child that never became healthy is stopped.
 */
export async function startDaemon(options: StartDaemonOptions = {}): Promise<DaemonState> {
  const env = options.env ?? process.env
  const paths = appPaths(env)
  await mkdir(paths.state, {recursive: true, mode: 0o700})
  const logFile = daemonLogFile(paths)
  const existing = await readDaemonState(paths)
  if (existing && isDaemonProcess(existing.pid)) {
    throw new DaemonStartError({
      message: `a daemon is already running (pid ${existing.pid}) at ${existing.url}`,
      logFile,
      logTail: [],
      fix: 'Use it as it is, or restart it with `gpu-shopper daemon stop` then `gpu-shopper daemon start`.',
    })
  }
  if (existing) await removeDaemonState(paths)

  const logOffset = await fileSize(logFile)
  // The daemon writes and rotates daemon.log itself (--log-file); what it prints outside its
  // logger, such as why it could not start, goes to this handle. The handle stays open until the
  // start is settled so those lines are read back even if the daemon rotated the file meanwhile.
  const log = await open(logFile, 'a+', 0o600)
  try {
    return await launch(options, env, paths, logFile, log, logOffset)
  } finally {
    await log.close()
  }
}

async function launch(options: StartDaemonOptions, env: NodeJS.ProcessEnv, paths: AppPaths, logFile: string, log: FileHandle, logOffset: number): Promise<DaemonState> {
  const [executable, ...prefix] = options.command ?? daemonCommand()
  let exit: {code: number | null; signal: NodeJS.Signals | null} | null = null
  let spawnError: Error | null = null
  const child = spawn(executable!, [...prefix, ...daemonArgs(options), '--log-file', logFile], {
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: withDaemonAllocator(env),
  })
  child.on('exit', (code, signal) => (exit = {code, signal}))
  child.on('error', (err) => (spawnError = err))
  child.unref()
  const pid: number | undefined = child.pid

  const failure = async (message: string, fix: string) =>
    new DaemonStartError({message, logFile, logTail: await readLastLines(log, LOG_TAIL_LINES, logOffset), fix})

  const started = Date.now()
  const listenTimeoutMs = options.timeoutMs ?? START_TIMEOUT_MS
  const reconcileTimeoutMs = Math.max(listenTimeoutMs, options.reconcileTimeoutMs ?? RECONCILE_TIMEOUT_MS)
  let deadline = started + listenTimeoutMs
  let lastProblem = 'no state file yet'
  while (Date.now() < deadline) {
    if (spawnError) throw await failure(`could not start the daemon: ${(spawnError as Error).message}`, 'Reinstall gpu-shopper or run `npm run build` in the checkout.')
    if (exit) {
      const {code, signal} = exit as {code: number | null; signal: NodeJS.Signals | null}
      throw await failure(
        `the daemon exited during start-up (${signal ? `signal ${signal}` : `exit code ${code}`})`,
        `Read the log lines above (all of them: \`gpu-shopper daemon logs\`); a busy port is fixed with --port 0 or another --port.`,
      )
    }
    const state = await readDaemonState(paths)
    if (state && state.pid === pid) {
      const health = await probeHealth(state.url)
      if (health === 'ok') return state
      lastProblem = health === 'starting' ? 'still reconciling (health says starting)' : `/health ${health}`
      if (health === 'starting') deadline = started + reconcileTimeoutMs
    }
    await delay(POLL_MS)
  }
  if (pid !== undefined && isProcessAlive(pid)) process.kill(pid, 'SIGTERM')
  throw await failure(
    `the daemon did not become healthy within ${Math.round((deadline - started) / 1000)} s (${lastProblem}); it was stopped`,
    'Read the log lines above; retry with `gpu-shopper daemon start --foreground` to watch it start.',
  )
}

/** Runs the daemon attached to this terminal until it exits; signals reach it through the process group. */
export function runDaemonForeground(options: StartDaemonOptions = {}): Promise<number> {
  const [executable, ...prefix] = options.command ?? daemonCommand()
  return new Promise((resolve, reject) => {
    const child = spawn(executable!, [...prefix, ...daemonArgs(options)], {stdio: 'inherit', env: withDaemonAllocator(options.env ?? process.env)})
    // The terminal delivers Ctrl-C to the whole group; we only wait for the daemon's clean exit.
    const ignore = () => {}
    process.on('SIGINT', ignore)
    process.on('SIGTERM', () => child.kill('SIGTERM'))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore)
      resolve(code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : 15) : 1))
    })
  })
}

export interface StopResult {
  /** False when no daemon was running (a stale state file may still have been removed). */
  stopped: boolean
  pid: number | null
  removedStaleState: boolean
}

/**
 * Asks the daemon to exit (SIGTERM: it finishes in-flight requests, releases its jobs' leases
 * and removes its state file) and waits for the process to be gone. `force` sends SIGKILL after
 * the deadline; sessions survive that too, the next start reconciles them.
 */
export async function stopDaemon(options: {env?: NodeJS.ProcessEnv; timeoutMs?: number; force?: boolean} = {}): Promise<StopResult> {
  const paths: AppPaths = appPaths(options.env ?? process.env)
  const state = await readDaemonState(paths)
  if (!state) return {stopped: false, pid: null, removedStaleState: false}
  if (!isDaemonProcess(state.pid)) {
    await removeDaemonState(paths)
    return {stopped: false, pid: state.pid, removedStaleState: true}
  }
  process.kill(state.pid, 'SIGTERM')
  const timeoutMs = options.timeoutMs ?? STOP_TIMEOUT_MS
  if (!(await waitForExit(state.pid, timeoutMs))) {
    if (!options.force) {
      throw new DaemonStartError({
        message: `the daemon (pid ${state.pid}) did not exit within ${Math.round(timeoutMs / 1000)} s of SIGTERM`,
        logFile: daemonLogFile(paths),
        logTail: await readLastLines(daemonLogFile(paths), LOG_TAIL_LINES),
        fix: 'Run `gpu-shopper daemon stop --force` to kill it; sessions are reconciled at the next start.',
      })
    }
    process.kill(state.pid, 'SIGKILL')
    await waitForExit(state.pid, 5_000)
  }
  // A daemon that died without cleaning up (or was killed) leaves its file behind.
  const after = await readDaemonState(paths)
  if (after && after.pid === state.pid) await removeDaemonState(paths)
  return {stopped: true, pid: state.pid, removedStaleState: false}
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true
    await delay(POLL_MS)
  }
  return !isProcessAlive(pid)
}

/** A client for the daemon described by a state file. */
export function clientForState(state: DaemonState) {
  return createApiClient({baseUrl: state.url, token: state.token, unreachableFix: 'Start it with `gpu-shopper daemon start`.'})
}
