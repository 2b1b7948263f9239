import type {IncomingMessage} from 'node:http'

import {systemClock} from '../../core/clock.js'
import type {FaultKind} from '../shared/faults.js'
import {bearerToken, jsonReply, type Reply, type SimRequest} from '../shared/http-util.js'
import {serveMarketplace, type MarketplaceOptions, type MarketplaceServer} from '../shared/marketplace-server.js'
import {ROUTES, type Route} from './api.js'
import {defaultConfig, type RateLimitMode, type VastSimConfig} from './config.js'
import {vastControl} from './control.js'
import type {FinalOutcome, VastTimings} from './lifecycle.js'
import {VastSim} from './simulator.js'

export interface VastSimOptions extends MarketplaceOptions {
  offerCount?: number
  /** When set only this key is accepted; when unset any non-empty Bearer or ?api_key= is. */
  apiKey?: string
  timings?: Partial<VastTimings>
  outcome?: FinalOutcome
  rateLimit?: RateLimitMode
}

/** Where it listens (`url` is the host root; clients add `/api/v0`) and how to stop it. */
export type VastSimHandle = MarketplaceServer

export const DEFAULT_SEED = 42
export const DEFAULT_OFFER_COUNT = 3000

/** Starts a faithful loopback replica of the Vast.ai API (providers.md §1, §4). */
export async function startVastSim(options: VastSimOptions = {}): Promise<VastSimHandle> {
  const config: VastSimConfig = defaultConfig()
  Object.assign(config.timings, options.timings ?? {})
  if (options.outcome) config.outcome = options.outcome
  if (options.rateLimit) config.rateLimit.mode = options.rateLimit
  if (options.churn === false) config.churn.intervalMs = 0
  const sim = new VastSim({
    seed: options.seed ?? DEFAULT_SEED,
    offerCount: options.offerCount ?? DEFAULT_OFFER_COUNT,
    clock: options.clock ?? systemClock,
    apiKey: options.apiKey,
    initialConfig: config,
    stateDir: options.stateDir,
  })
  return serveMarketplace(
    sim,
    {
      route: (req, request) => route(sim, req, request),
      control: vastControl(sim),
      faultReply: (fault) => faultReply(sim, fault),
      serverError: (message) => jsonReply(500, {success: false, error: 'server_error', msg: message}),
    },
    options,
  )
}

async function route(sim: VastSim, req: IncomingMessage, {method, path, url, body, badJson}: SimRequest): Promise<Reply> {
  const candidates = ROUTES.filter((r) => r.pattern.test(path))
  if (candidates.length === 0) return jsonReply(404, {success: false, error: 'not_found', msg: `${path} not found`})
  const match: Route | undefined = candidates.find((r) => r.method === method)
  if (!match) return jsonReply(405, {success: false, error: 'method_not_allowed', msg: `${method} is not allowed on ${path}`})

  const key = apiKeyOf(req, url)
  if (match.auth === 'required' && !sim.isAcceptedKey(key)) {
    return jsonReply(401, {success: false, error: 'auth_error', msg: 'Invalid user key'})
  }
  if (sim.config.rateLimit.mode !== 'off') {
    const threshold = sim.limiter.check(match.endpoint, key ?? req.socket.remoteAddress ?? 'anonymous')
    if (threshold !== null) return rateLimitReply(sim.config.rateLimit.mode, threshold)
  }
  if (badJson) return jsonReply(400, {success: false, error: 'invalid_args', msg: 'request body is not valid JSON'})
  const id = Number(match.pattern.exec(path)?.[1] ?? Number.NaN)
  return match.handler(sim, {method, path, url, body, id})
}

/** `Authorization: Bearer <key>` (what every client sends) or the `?api_key=` query parameter. */
function apiKeyOf(req: IncomingMessage, url: URL): string | null {
  const bearer = bearerToken(req)
  if (bearer) return bearer
  const query = url.searchParams.get('api_key')
  return query && query.trim() !== '' ? query.trim() : null
}

function formatThreshold(seconds: number): string {
  return Number.isInteger(seconds) ? seconds.toFixed(1) : String(seconds)
}

/** Never a Retry-After header: the real API sends none (providers.md §1.10). */
function rateLimitReply(mode: RateLimitMode, threshold: number): Reply {
  const t = formatThreshold(threshold)
  const text = `API requests too frequent: endpoint threshold=${t}*1.0`
  switch (mode) {
    case 'json-detail':
      return jsonReply(429, {detail: `API requests too frequent endpoint threshold=${t}`})
    case 'json-error':
      return jsonReply(429, {success: false, error: 'rate_limit_exceeded', msg: text})
    case 'json-message':
      return jsonReply(429, {
        message: `The action could not be performed because there were too many requests by the client.\n\n${text}\n\n`,
        code: '429 Too Many Requests',
      })
    default:
      return {status: 429, text}
  }
}

function faultReply(sim: VastSim, fault: FaultKind): Reply {
  switch (fault) {
    case '429': {
      const retryAfter = sim.faults.current()?.retryAfterSeconds
      const headers: Record<string, string> = retryAfter === undefined ? {} : {'Retry-After': String(retryAfter)}
      return {status: 429, text: 'API requests too frequent: endpoint threshold=4.5*1.0', headers}
    }
    case '500':
    case '500_after':
      return {
        status: 500,
        contentType: 'text/html; charset=utf-8',
        text: '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n',
      }
    case 'malformed':
      return {status: 200, contentType: 'application/json', text: '{"success": true, "offers": [{"id": 30406190, "gpu_name": "RTX 40'}
    case 'timeout':
    case 'timeout_after':
      return {hold: true}
  }
}
