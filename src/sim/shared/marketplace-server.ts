import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'

import type {Clock} from '../../core/clock.js'
import {handleControl, type ControlledInstance, type ControlledSim, type ProviderControl} from '../control/common-routes.js'
import type {FaultKind, HeldResponses} from './faults.js'
import {closeHttp, listenHttp} from './http-listen.js'
import {flatHeaders, jsonReply, queryObject, readSimRequest, sendReply, type Reply, type SimRequest} from './http-util.js'

/** A simulator behind the shared front: what the control routes need, and the replies it holds back. */
export interface ServedSim<Id, I extends ControlledInstance> extends ControlledSim<Id, I> {
  readonly held: HeldResponses
}

/** What differs between the providers: their API, their part of the control surface and how they fail. */
export interface ProviderFront<Id> {
  /** The provider's API, once the request is logged and any fault before handling has passed. */
  route(req: IncomingMessage, request: SimRequest): Promise<Reply>
  /** The provider's part of the `/_sim/` control surface (common-routes.ts has the rest). */
  control: ProviderControl<Id>
  /** What the provider sends for an injected fault. */
  faultReply(fault: FaultKind): Reply
  /** What the provider sends when a handler throws. */
  serverError(message: string): Reply
  /** Wall-clock milliseconds to wait before each provider reply (a slow API); none when absent or 0. */
  latencyMs?(): number
}

/** How either simulator is started, besides what is the provider's own. */
export interface MarketplaceOptions {
  /** Where to listen; loopback by default. */
  host?: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Same seed, same market, ids and fault sequence. */
  seed?: number
  /** Drives the instance lifecycle, billing, market churn and rate limits. */
  clock?: Clock
  /** Turns off market churn (part of the market replaced every minute) when false. */
  churn?: boolean
  /**
   * Keep the market, instances (with their machines, disks and host keys), account and id
   * sequences in this directory, written on every change: a simulator started again on it
   * carries on where the last one stopped, with each live instance's sshd back on its port, its
   * published ports back and the model servers its workloads launched running again.
   */
  stateDir?: string
}

export interface MarketplaceServer {
  /** The host root, e.g. `http://127.0.0.1:PORT`. */
  url: string
  close(): Promise<void>
}

/**
 * Serves one simulated marketplace over HTTP, on loopback and a free port unless told
 * otherwise: `/_sim/` goes to the control routes; every other request is logged, may meet an
 * injected fault, and goes to the provider's API. The instances' servers come back first, so a
 * client never sees an instance whose machine is not there yet.
 */
export async function serveMarketplace<Id, I extends ControlledInstance>(
  sim: ServedSim<Id, I>,
  provider: ProviderFront<Id>,
  at: Pick<MarketplaceOptions, 'host' | 'port'>,
): Promise<MarketplaceServer> {
  await sim.servers.resume(sim.instances.live())
  const delays = new Set<NodeJS.Timeout>()
  const server = createServer((req, res) => {
    res.on('error', () => undefined)
    handle(sim, provider, req, res, delays)
      .catch((error: unknown) => sendReply(res, provider.serverError(error instanceof Error ? error.message : String(error))))
      // Answered or not, the state files write what the request changed.
      .finally(() => sim.state?.afterRequest(req.method ?? 'GET'))
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  let url: string
  try {
    url = await listenHttp(server, at.host ?? '127.0.0.1', at.port ?? 0)
  } catch (error) {
    await shutDown(sim)
    throw error
  }

  let closing: Promise<void> | undefined
  return {
    url,
    close() {
      closing ??= (async () => {
        for (const timer of delays) clearTimeout(timer)
        delays.clear()
        await shutDown(sim)
        await closeHttp(server)
      })()
      return closing
    },
  }
}

async function handle<Id, I extends ControlledInstance>(
  sim: ServedSim<Id, I>,
  provider: ProviderFront<Id>,
  req: IncomingMessage,
  res: ServerResponse,
  delays: Set<NodeJS.Timeout>,
): Promise<void> {
  const request = await readSimRequest(req)
  const {method, url, path, body, badJson} = request

  if (path.startsWith('/_sim/')) {
    if (badJson) return sendReply(res, jsonReply(400, {success: false, error: 'invalid_args', msg: 'body is not valid JSON'}))
    return sendReply(res, await handleControl(sim, provider.control, request))
  }

  sim.log.record({at: sim.clock.now(), method, path, query: queryObject(url.searchParams), headers: flatHeaders(req), body: body ?? null})

  const fault = sim.faults.pick(path)
  let reply: Reply
  if (fault === '429' || fault === '500' || fault === 'timeout' || fault === 'malformed') reply = provider.faultReply(fault)
  else {
    reply = await provider.route(req, request)
    if (fault === '500_after' || fault === 'timeout_after') reply = provider.faultReply(fault)
  }
  const latency = provider.latencyMs?.() ?? 0
  if (latency > 0 && !('hold' in reply)) await delay(latency, res, delays)
  if ('hold' in reply) sim.held.hold(res)
  else await sendReply(res, reply)
}

/** Lets held replies go, stops every instance's servers, and writes what is pending so a clean stop loses nothing. */
async function shutDown<Id, I extends ControlledInstance>(sim: ServedSim<Id, I>): Promise<void> {
  sim.held.releaseAll()
  await sim.servers.close()
  sim.state?.flush()
}

/**
 * Real time on purpose: a slow API exercises the client's own timeouts, which run on the wall
 * clock. Ends early when the client goes away; close() clears what is left.
 */
function delay(ms: number, res: ServerResponse, delays: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      delays.delete(timer)
      resolve()
    }, ms)
    delays.add(timer)
    res.on('close', () => {
      clearTimeout(timer)
      delays.delete(timer)
      resolve()
    })
  })
}
