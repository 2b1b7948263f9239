import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'

import {systemClock, type Clock} from '../../core/clock.js'
import type {FaultKind} from '../shared/faults.js'
import {closeHttp, listenHttp} from '../shared/http-listen.js'
import {flatHeaders, jsonReply, queryObject, readSimRequest, sendReply, type Reply} from '../shared/http-util.js'
import {ROUTES, type Route} from './api.js'
import {defaultConfig, type TensorDockSimConfig} from './config.js'
import {handleControl} from './control.js'
import type {TdOutcome, TensorDockTimings} from './lifecycle.js'
import {DEFAULT_LOCATION_COUNT} from './market.js'
import {TensorDockSim} from './simulator.js'

export interface TensorDockSimOptions {
  /** Where to listen; loopback by default. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** Same seed, same locations, ids and fault sequence. */
  seed?: number
  /** How many locations the market lists (live: 25–40). */
  locationCount?: number
  /** Drives the VM lifecycle, market churn and the rate limit. */
  clock?: Clock
  /** When set only this Bearer token (or `api_token`) is accepted; when unset any non-empty one is. */
  apiToken?: string
  /** When set, `?api_key=` must equal it for query-param auth on /locations and /hostnodes. */
  authId?: string
  timings?: Partial<TensorDockTimings>
  outcome?: TdOutcome
  /** Turns off market churn when false. */
  churn?: boolean
  /** Enforces 100 requests/minute per token (default off). */
  rateLimit?: boolean
  /**
   * Keep the market, VMs (with their machines, disks and host keys) and id sequence in this
   * directory, written on every change: a simulator started again on it carries on where the
   * last one stopped, with each live VM's sshd back on its port.
   */
  stateDir?: string
}

export interface TensorDockSimHandle {
  /** The host root, e.g. `http://127.0.0.1:PORT`; clients add `/api/v2` (TENSORDOCK_API_URL=<root>). */
  url: string
  close(): Promise<void>
}

export const DEFAULT_TENSORDOCK_SEED = 42

/** Starts a faithful loopback replica of the TensorDock v2 API (providers.md §2, §4). */
export async function startTensorDockSim(options: TensorDockSimOptions = {}): Promise<TensorDockSimHandle> {
  const config: TensorDockSimConfig = defaultConfig()
  Object.assign(config.timings, options.timings ?? {})
  if (options.outcome) config.outcome = options.outcome
  if (options.churn === false) config.churn.intervalMs = 0
  if (options.rateLimit) config.rateLimit.enabled = true
  const sim = new TensorDockSim({
    seed: options.seed ?? DEFAULT_TENSORDOCK_SEED,
    locationCount: options.locationCount ?? DEFAULT_LOCATION_COUNT,
    clock: options.clock ?? systemClock,
    apiToken: options.apiToken,
    authId: options.authId,
    initialConfig: config,
    stateDir: options.stateDir,
  })
  await sim.sshServers.resume(sim.instances.live())
  const delays = new Set<NodeJS.Timeout>()

  const server = createServer((req, res) => {
    res.on('error', () => undefined)
    handle(sim, req, res, delays)
      .catch((error: unknown) => {
        sendReply(res, jsonReply(500, {error: error instanceof Error ? error.message : String(error)}))
      })
      .finally(() => sim.afterRequest(req.method ?? 'GET'))
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  let url: string
  try {
    url = await listenHttp(server, options.host ?? '127.0.0.1', options.port ?? 0)
  } catch (error) {
    await sim.close()
    throw error
  }

  let closing: Promise<void> | undefined
  return {
    url,
    close() {
      closing ??= (async () => {
        for (const timer of delays) clearTimeout(timer)
        delays.clear()
        await sim.close()
        await closeHttp(server)
      })()
      return closing
    },
  }
}

async function handle(sim: TensorDockSim, req: IncomingMessage, res: ServerResponse, delays: Set<NodeJS.Timeout>): Promise<void> {
  const {method, url, path, body, badJson} = await readSimRequest(req)

  if (path.startsWith('/_sim/')) {
    if (badJson) return sendReply(res, jsonReply(400, {success: false, error: 'invalid_args', msg: 'body is not valid JSON'}))
    return sendReply(res, await handleControl(sim, method, path, url, body))
  }

  sim.log.record({at: sim.clock.now(), method, path, query: queryObject(url.searchParams), headers: flatHeaders(req), body: body ?? null})

  const fault = sim.faults.pick(path)
  let reply: Reply
  if (fault === '429' || fault === '500' || fault === 'timeout' || fault === 'malformed') reply = faultReply(sim, fault)
  else {
    reply = await route(sim, req, method, path, url, body, badJson)
    if (fault === '500_after' || fault === 'timeout_after') reply = faultReply(sim, fault)
  }
  const latency = sim.config.latencyMs
  if (latency > 0 && !('hold' in reply)) {
    // Real time on purpose: slow mode exercises the client's own timeouts, which run on the wall clock.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        delays.delete(timer)
        resolve()
      }, latency)
      delays.add(timer)
      res.on('close', () => {
        clearTimeout(timer)
        delays.delete(timer)
        resolve()
      })
    })
  }
  if ('hold' in reply) sim.held.hold(res)
  else sendReply(res, reply)
}

async function route(sim: TensorDockSim, req: IncomingMessage, method: string, path: string, url: URL, body: unknown, badJson: boolean): Promise<Reply> {
  const candidates = ROUTES.filter((r) => r.pattern.test(path))
  if (candidates.length === 0) return jsonReply(404, {error: 'Not found'})
  const match: Route | undefined = candidates.find((r) => r.method === method)
  if (!match) return jsonReply(405, {error: 'Method not allowed'})

  const bearer = bearerToken(req)
  const queryToken = url.searchParams.get('api_token')
  const queryAuthOk = match.auth === 'bearer_or_query' && sim.isAcceptedToken(queryToken) && sim.isAcceptedAuthId(url.searchParams.get('api_key'))
  if (!sim.isAcceptedToken(bearer) && !queryAuthOk) return jsonReply(401, {error: 'Invalid API credentials'})

  if (sim.config.rateLimit.enabled) {
    const identity = (bearer ?? queryToken ?? req.socket.remoteAddress ?? 'anonymous') as string
    const retryAfter = sim.limiter.check(identity, sim.config.rateLimit.perMinute)
    if (retryAfter !== null) {
      // Whether the real API sends Retry-After is unknown (providers.md §2.8): off by default.
      const headers: Record<string, string> = sim.config.rateLimit.retryAfter ? {'Retry-After': String(retryAfter)} : {}
      return jsonReply(429, {error: 'Rate limit exceeded. Please try again later.'}, headers)
    }
  }
  if (badJson) return jsonReply(400, [{code: 'invalid_json', message: 'Request body is not valid JSON', path: []}])
  const id = decodeURIComponentSafe(match.pattern.exec(path)?.[1] ?? '')
  return match.handler(sim, {method, path, url, body, id})
}

function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization
  if (!header) return null
  const match = /^Bearer\s+(.+)$/i.exec(header.trim())
  return match?.[1]?.trim() || null
}

/** `%2f` and friends decode here, and then fail the UUID check instead of reaching a lookup. */
function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

function faultReply(sim: TensorDockSim, fault: FaultKind): Reply {
  switch (fault) {
    case '429': {
      const retryAfter = sim.faults.current()?.retryAfterSeconds
      const headers: Record<string, string> = retryAfter === undefined ? {} : {'Retry-After': String(retryAfter)}
      return jsonReply(429, {error: 'Rate limit exceeded. Please try again later.'}, headers)
    }
    case '500':
    case '500_after':
      return jsonReply(500, {error: 'Internal server error'})
    case 'malformed':
      return {status: 200, contentType: 'application/json', text: '{"data":{"locations":[{"id":"1a779525-4c04-4f2c-aa45-58b47d54bb38","city":"Chic'}
    case 'timeout':
    case 'timeout_after':
      return {hold: true}
  }
}
