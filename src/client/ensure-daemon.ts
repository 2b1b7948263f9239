import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import {ENV, readEnv} from '../config/env.js'
import {packageVersion} from '../config/package-version.js'
import {type AppPaths, appPaths} from '../config/paths.js'
import {type ApiClient, createApiClient} from './api-client.js'
// Starting and stopping a daemon (child processes, the log tail, the start lock) load only when
// one must be started or replaced: a command that finds it running never pays for them.
import {probeHealth} from './daemon-health.js'
import {type DaemonState, isDaemonProcess, isProcessAlive, readDaemonState, removeDaemonState} from './daemon-state.js'
import {DaemonStartError, DaemonUnreachableError} from './errors.js'

export interface ConnectOptions {
  /** `--server URL`; wins over GPU_SHOPPER_SERVER. */
  server?: string
  env?: NodeJS.ProcessEnv
  /**
   * Start a local daemon when none runs (default true); `daemon status` and friends say false.
   * `'replace'` starts one only to replace a running daemon of another version, never from
   * nothing (`reconcile` works without a daemon, so it must not leave one behind).
   */
  autoStart?: boolean | 'replace'
  /** Progress for the user ("starting the daemon..."); goes to stderr. */
  narrate?: (message: string) => void
  /** Something the user must see even under --json (a login stored in a file); stderr or the envelope. */
  warn?: (message: string) => void
  startTimeoutMs?: number
  /** The command that runs the daemon; tests point this at a stand-in. */
  daemonCommand?: string[]
}

export interface Connection {
  mode: 'local' | 'remote'
  baseUrl: string
  /** Where a remote connection's bearer came from: GPU_SHOPPER_TOKEN, a stored login, or none. */
  tokenSource: 'env' | 'login' | null
  client: ApiClient
  /** The local daemon's state file; null in remote mode. */
  state: DaemonState | null
  /** True when this call started (or restarted) the daemon. */
  started: boolean
}

// The default port matches the seed documents' curl examples.
export const DEFAULT_PORT = 8080
export const DEFAULT_HOST = '127.0.0.1'
const HEALTHY_WAIT_MS = 15_000
const LOCK_STALE_MS = 60_000
const POLL_MS = 100

/**
 * Finds the API to talk to, starting the local daemon when needed. The decision table:
 *
 * | situation                                       | action                                             |
 * |-------------------------------------------------|----------------------------------------------------|
 * | `--server` or GPU_SHOPPER_SERVER set            | remote: that URL; token from GPU_SHOPPER_TOKEN,    |
 * |                                                 | else the stored `auth login` (renewed near expiry) |
 * | no state file                                   | start a daemon                                     |
 * | state file, its pid is gone (or not the daemon) | remove the stale file, start a daemon              |
 * | daemon alive, other version than this CLI       | stop it, start ours                                |
 * | daemon alive, /health ok                        | use it                                             |
 * | daemon alive, /health starting or not answering | wait for ok until a deadline, then fail            |
 *
 * With autoStart false nothing is started; with 'replace' only the version row starts one.
 * Starting happens under a lock file so two commands run at once start one daemon, not two.
 */
export async function connectToDaemon(options: ConnectOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env
  const server = options.server ?? readEnv(ENV.server, env)
  if (server) return remoteConnection(server, env, options.warn ?? (() => {}))

  const paths = appPaths(env)
  const narrate = options.narrate ?? (() => {})
  let replaced = false
  const found = await usableDaemon(paths, env, narrate, () => (replaced = true))
  if (found) return localConnection(found, false)
  if (options.autoStart === false || (options.autoStart === 'replace' && !replaced)) {
    throw new DaemonUnreachableError({
      url: `http://${DEFAULT_HOST}:${DEFAULT_PORT}`,
      reason: 'refused',
      message: 'the gpu-shopper daemon is not running',
      fix: 'Start it with `gpu-shopper daemon start`.',
      maybeDelivered: false,
    })
  }
  return withStartLock(paths, async () => {
    // Another command may have started it while we waited for the lock.
    const again = await usableDaemon(paths, env, narrate, () => {})
    if (again) return localConnection(again, false)
    const port = (await isPortFree(DEFAULT_HOST, DEFAULT_PORT)) ? DEFAULT_PORT : 0
    narrate(port === DEFAULT_PORT ? 'Starting the gpu-shopper daemon…' : `Port ${DEFAULT_PORT} is taken; starting the gpu-shopper daemon on a free port…`)
    const {startDaemon} = await import('./daemon-process.js')
    const start = (onPort: number) => startDaemon({env, port: onPort, host: DEFAULT_HOST, timeoutMs: options.startTimeoutMs, command: options.daemonCommand})
    const state = await start(port).catch((err: unknown) => {
      // Someone took the port between our check and the daemon's bind: any free port will do.
      if (port !== 0 && err instanceof DaemonStartError && err.logTail.some((line) => line.includes('EADDRINUSE'))) return start(0)
      throw err
    })
    narrate(`Daemon ready at ${state.url} (pid ${state.pid}${state.simulated ? ', simulated market' : ''}).`)
    return localConnection(state, true)
  })
}

/**
 * True when a local daemon runs in this GPU_SHOPPER_HOME (its state file names a live daemon
 * process). Only reads: never starts, stops or probes anything.
 */
export async function localDaemonRunning(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const state = await readDaemonState(appPaths(env))
  return state !== null && isDaemonProcess(state.pid)
}

async function remoteConnection(server: string, env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<Connection> {
  let url: URL
  try {
    url = new URL(server)
  } catch {
    throw new DaemonUnreachableError({
      url: server,
      reason: 'network',
      message: `"${server}" is not a URL`,
      fix: 'Pass --server https://host:port (or set GPU_SHOPPER_SERVER to one).',
      maybeDelivered: false,
    })
  }
  const baseUrl = url.toString().replace(/\/+$/, '')
  const envToken = readEnv(ENV.token, env)
  // The login store (a native keychain module, maybe openid-client for a refresh) loads only
  // for a team server without GPU_SHOPPER_TOKEN: local commands never pay for it.
  const bearer = envToken ? null : await (await import('./auth/access-token.js')).bearerForServer(baseUrl, {env, warn})
  const token = envToken ?? bearer?.accessToken ?? null
  // A stored login keeps itself fresh for as long as the command runs (the dashboard, --watch).
  const fetch = bearer?.credentials?.refreshToken ? (await import('./auth/refreshing-fetch.js')).refreshingFetch(baseUrl, bearer, {env, warn}) : undefined
  return {
    mode: 'remote',
    baseUrl,
    tokenSource: envToken ? 'env' : bearer ? 'login' : null,
    state: null,
    started: false,
    client: createApiClient({
      baseUrl,
      token,
      unreachableFix: `Check the server URL (--server / ${ENV.server}) and your network.`,
      fetch,
    }),
  }
}

function localConnection(state: DaemonState, started: boolean): Connection {
  return {
    mode: 'local',
    baseUrl: state.url,
    tokenSource: null,
    state,
    started,
    client: createApiClient({
      baseUrl: state.url,
      token: state.token,
      unreachableFix: 'The daemon stopped answering; check `gpu-shopper daemon status`, or restart it with `gpu-shopper daemon stop`.',
    }),
  }
}

/** A running, healthy daemon of our version, or null when one must be started. */
async function usableDaemon(
  paths: AppPaths,
  env: NodeJS.ProcessEnv,
  narrate: (message: string) => void,
  onStoppedOtherVersion: () => void,
): Promise<DaemonState | null> {
  const state = await readDaemonState(paths)
  if (!state) return null
  if (!isDaemonProcess(state.pid)) {
    await removeDaemonState(paths)
    return null
  }
  const ours = packageVersion()
  if (state.version !== ours) {
    narrate(`Restarting the daemon: it runs version ${state.version}, this CLI is ${ours}.`)
    const {stopDaemon} = await import('./daemon-process.js')
    await stopDaemon({env, force: true})
    onStoppedOtherVersion()
    return null
  }
  const deadline = Date.now() + HEALTHY_WAIT_MS
  let said = false
  let last = await probeHealth(state.url)
  while (last !== 'ok' && Date.now() < deadline && isProcessAlive(state.pid)) {
    if (!said && last === 'starting') {
      narrate('The daemon is reconciling sessions after a start; waiting…')
      said = true
    }
    await delay(POLL_MS * 2)
    last = await probeHealth(state.url)
  }
  if (last === 'ok') return state
  if (!isProcessAlive(state.pid)) {
    await removeDaemonState(paths)
    return null
  }
  throw new DaemonUnreachableError({
    url: state.url,
    reason: last === 'unreachable' ? 'refused' : 'timeout',
    message: `the daemon (pid ${state.pid}) at ${state.url} is running but not healthy (/health: ${last})`,
    fix: 'Look at `gpu-shopper daemon logs`, then restart it with `gpu-shopper daemon stop` (the next command starts it again).',
    maybeDelivered: false,
  })
}

/** One command starts the daemon; the others wait for it here, then find it running. */
async function withStartLock<T>(paths: AppPaths, fn: () => Promise<T>): Promise<T> {
  const {withFileLock} = await import('./file-lock.js')
  return withFileLock(
    join(paths.state, 'daemon.start.lock'),
    {
      staleMs: LOCK_STALE_MS,
      waitMs: HEALTHY_WAIT_MS * 3,
      pollMs: POLL_MS,
      onTimeout: (lockFile) =>
        new DaemonUnreachableError({
          url: `http://${DEFAULT_HOST}:${DEFAULT_PORT}`,
          reason: 'timeout',
          message: 'another gpu-shopper command has been starting the daemon for too long',
          fix: `Remove ${lockFile} if no other gpu-shopper command is running, then retry.`,
          maybeDelivered: false,
        }),
    },
    fn,
  )
}

async function isPortFree(host: string, port: number): Promise<boolean> {
  const {createServer} = await import('node:net')
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({host, port, exclusive: true}, () => server.close(() => resolve(true)))
  })
}
