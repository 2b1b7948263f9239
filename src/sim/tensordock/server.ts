import type {IncomingMessage} from 'node:http'

import {systemClock} from '../../core/clock.js'
import type {FaultKind} from '../shared/faults.js'
import {bearerToken, jsonReply, type Reply, type SimRequest} from '../shared/http-util.js'
import {serveMarketplace, type MarketplaceOptions, type MarketplaceServer} from '../shared/marketplace-server.js'
import {ROUTES, type Route} from './api.js'
import {defaultConfig, type TensorDockSimConfig} from './config.js'
import {tensorDockControl} from './control.js'
import type {TdOutcome, TensorDockTimings} from './lifecycle.js'
import {DEFAULT_LOCATION_COUNT} from './market.js'
import {TensorDockSim} from './simulator.js'

export interface TensorDockSimOptions extends MarketplaceOptions {
  /** How many locations the market lists (live: 25–40). */
  locationCount?: number
  /** When set only this Bearer token (or `api_token`) is accepted; when unset any non-empty one is. */
  apiToken?: string
  /** When set, `?api_key=` must equal it for query-param auth on /locations and /hostnodes. */
  authId?: string
  timings?: Partial<TensorDockTimings>
  outcome?: TdOutcome
  /** Enforces 100 requests/minute per token (default off). */
  rateLimit?: boolean
}

/** Where it listens (`url` is the host root; clients add `/api/v2`, TENSORDOCK_API_URL=<root>) and how to stop it. */
export type TensorDockSimHandle = MarketplaceServer

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
  return serveMarketplace(
    sim,
    {
      route: (req, request) => route(sim, req, request),
      control: tensorDockControl(sim),
      faultReply: (fault) => faultReply(sim, fault),
      serverError: (message) => jsonReply(500, {error: message}),
      latencyMs: () => sim.config.latencyMs,
    },
    options,
  )
}

async function route(sim: TensorDockSim, req: IncomingMessage, {method, path, url, body, badJson}: SimRequest): Promise<Reply> {
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
