import type {ProviderControl} from '../control/common-routes.js'
import {renderReportedGpus} from '../control/gpu-claim.js'
import {isRecord, jsonReply, type Reply, type SimRequest} from '../shared/http-util.js'
import {applyConfigPatch, renderConfig} from './config.js'
import {renderInstance} from './instance-view.js'
import type {SimInstance} from './instances.js'
import {storageDph} from './offer.js'
import type {VastSim} from './simulator.js'

/**
 * The Vast simulator's part of the `/_sim/` control surface (common-routes.ts has the routes
 * every simulator shares). Offers here are Vast's own offer JSON; instance ids are numbers.
 * - `GET|POST /_sim/offers`, `DELETE /_sim/offers/{id}`
 * - `GET|POST /_sim/instances` (POST: an orphan)
 */
export function vastControl(sim: VastSim): ProviderControl<number> {
  return {
    name: 'vastai',
    instanceIds: {
      usage: 'N',
      fromPath: (segment) => (/^\d+$/.test(segment) ? Number(segment) : null),
      fromBody: (value) => Number(value),
    },
    marketCounts: () => ({offers: sim.market.all().length}),
    renderConfig: () => renderConfig(sim.config),
    patchConfig(body) {
      applyConfigPatch(sim.config, body)
      sim.market.churn = {...sim.config.churn}
      sim.limiter.intervals = sim.config.rateLimit.intervals
      sim.account.initialCredit = sim.config.initialCredit
    },
    handle: (request) => handleVastControl(sim, request),
  }
}

async function handleVastControl(sim: VastSim, {method, path, url, body}: SimRequest): Promise<Reply | null> {
  const bad = (msg: string) => jsonReply(400, {success: false, error: 'invalid_args', msg})
  const offerMatch = /^\/_sim\/offers\/(\d+)$/.exec(path)

  if (path === '/_sim/offers') {
    if (method === 'GET') return jsonReply(200, {offers: sim.market.all()})
    if (method === 'POST') {
      const offers = isRecord(body) ? body.offers : undefined
      if (!Array.isArray(offers) || !offers.every(isRecord)) return bad('body must be {"offers": [offer, ...]} in Vast\'s offer JSON')
      const mode = (url.searchParams.get('mode') ?? (isRecord(body) ? body.mode : undefined)) === 'append' ? 'append' : 'replace'
      const added = sim.market.load(offers, mode)
      return jsonReply(200, {success: true, mode, ids: added.map((o) => o.id), count: sim.market.all().length})
    }
  }
  if (offerMatch && method === 'DELETE') {
    const id = Number(offerMatch[1])
    if (!sim.market.remove(id)) return jsonReply(404, {success: false, error: 'not_found', msg: `offer ${id} is not on the market`})
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/instances') {
    if (method === 'GET') {
      const now = sim.clock.now()
      return jsonReply(200, {
        instances: sim.instances.all().map((i) => ({
          ...(i.destroyedAt === null ? renderInstance(sim.instances, i, now) : {id: i.id, label: i.label}),
          sim: simDetails(sim, i),
        })),
      })
    }
    if (method === 'POST') return createDirect(sim, body)
  }
  return null
}

function simDetails(sim: VastSim, i: SimInstance): Record<string, unknown> {
  return {
    destroyed_at: i.destroyedAt,
    gpu_load: i.gpuLoad,
    ssh_listen_port: i.ssh?.port ?? null,
    // Model servers its workloads launched, loading or ready (model-server.ts).
    workloads: sim.servers.workloadsOf(i),
    ssh_host_key_fingerprint: i.machine.hostKey.fingerprint,
    gpu_report: renderReportedGpus(i.machine),
    attached_keys: i.keys.length,
    outcome: i.outcome,
    charged_usd: sim.instances.chargedMicroUsd(i) / 1_000_000,
    charged_micro_usd: sim.instances.chargedMicroUsd(i),
    created_at: i.createdAt,
  }
}

/** An instance nobody asked the API for: an orphan from an earlier run, with any label. */
async function createDirect(sim: VastSim, body: unknown): Promise<Reply> {
  const b = body === undefined ? {} : body
  if (!isRecord(b)) return jsonReply(400, {success: false, error: 'invalid_args', msg: 'body must be a JSON object'})
  const partial: Record<string, unknown> = {}
  if (typeof b.gpu_name === 'string') partial.gpu_name = b.gpu_name
  if (b.num_gpus !== undefined) partial.num_gpus = Number(b.num_gpus)
  const offer = sim.market.completeOffer(partial)
  const disk = b.disk === undefined ? 10 : Number(b.disk)
  if (b.storage_cost !== undefined) offer.storage_cost = Number(b.storage_cost)
  if (b.dph_total !== undefined) offer.dph_base = Math.max(0, Number(b.dph_total) - storageDph(offer.storage_cost, disk))
  const status = b.actual_status === undefined ? 'running' : b.actual_status
  if (status !== null && typeof status !== 'string') return jsonReply(400, {success: false, error: 'invalid_args', msg: 'actual_status must be a string or null'})
  const t = sim.config.timings
  const now = sim.clock.now()
  const instance = sim.instances.create({
    offer,
    label: typeof b.label === 'string' ? b.label : null,
    image: typeof b.image === 'string' ? b.image : 'nvidia/cuda:12.6.3-runtime-ubuntu22.04',
    disk,
    runtype: typeof b.runtype === 'string' ? b.runtype : 'ssh_direc ssh_proxy',
    env: {},
    onstart: null,
    price: null,
    outcome: 'running',
    timings: t,
    listLagMs: 0,
    accountKeys: sim.account.keyLines(),
    gpuLoad: b.gpu_load === 'busy' ? 'busy' : sim.config.gpuLoad,
    // "running" is reached through the normal machinery, already booted, so billing is right.
    ...(status === 'running' ? {startedAt: now - (t.provisioningMs + t.createdMs + t.loadingMs)} : {pinnedStatus: status}),
  })
  if (typeof b.ssh_key === 'string') instance.keys.push({line: b.ssh_key.trim(), usableAt: now})
  await sim.servers.start(instance)
  return jsonReply(200, {success: true, new_contract: instance.id, instance: renderInstance(sim.instances, instance, now)})
}
