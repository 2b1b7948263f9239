import {handleCommonControl} from '../control/common-routes.js'
import {applyGpuClaim, GPU_REPORT_USAGE, isGpuReportBody, parseGpuClaim, renderReportedGpus} from '../control/gpu-claim.js'
import {isRecord, jsonReply, type Reply} from '../shared/http-util.js'
import {applyConfigPatch, renderConfig} from './config.js'
import {renderInstance} from './instance-view.js'
import type {SimInstance} from './instances.js'
import {storageDph} from './offer.js'
import type {VastSim} from './simulator.js'

/**
 * The test-control surface under `/_sim/` (no auth; no real client calls it). Shapes the market,
 * makes orphans and ghosts, switches GPU load, makes a box lie about its GPUs, injects faults
 * and reads the request log:
 * - `GET /_sim/info`, `GET|POST /_sim/config`, `POST /_sim/reset`
 * - `GET|POST /_sim/offers`, `DELETE /_sim/offers/{id}`
 * - `GET|POST /_sim/instances` (POST: an orphan), `DELETE /_sim/instances/{id}` (a ghost)
 * - `POST /_sim/gpu-load` `{"instance_id"?: N, "state": "idle"|"busy"}`
 * - `POST /_sim/gpu-report` `{"instance_id": N, "gpu_name"?: "RTX 3090", "num_gpus"?: N, "gpu_ram_mib"?: N}`:
 *   that instance's nvidia-smi reports these GPUs instead of the rented ones (the API does not
 *   change); `{"instance_id": N}` alone tells the truth again
 * - `GET|POST|DELETE /_sim/faults`, `GET|DELETE /_sim/requests`
 */
export async function handleControl(sim: VastSim, method: string, path: string, url: URL, body: unknown): Promise<Reply> {
  const common = handleCommonControl(method, path, url, body, {faults: sim.faults, log: sim.log})
  if (common) return common
  const bad = (msg: string) => jsonReply(400, {success: false, error: 'invalid_args', msg})
  const idMatch = /^\/_sim\/(offers|instances)\/(\d+)$/.exec(path)

  if (path === '/_sim/info' && method === 'GET') {
    return jsonReply(200, {
      provider: 'vastai',
      seed: sim.seed,
      offers: sim.market.all().length,
      instances: sim.instances.live().length,
      now: sim.clock.now(),
      // Where the state is kept across restarts (null: in memory only), and the last write error.
      state_dir: sim.state?.dir ?? null,
      state_error: sim.state?.lastError ?? null,
    })
  }
  if (path === '/_sim/config') {
    if (method === 'GET') return jsonReply(200, {config: renderConfig(sim.config)})
    if (method === 'POST') {
      try {
        applyConfigPatch(sim.config, body)
      } catch (error) {
        return bad(error instanceof Error ? error.message : String(error))
      }
      sim.market.churn = {...sim.config.churn}
      sim.limiter.intervals = sim.config.rateLimit.intervals
      sim.account.initialCredit = sim.config.initialCredit
      return jsonReply(200, {success: true, config: renderConfig(sim.config)})
    }
  }
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
  if (idMatch?.[1] === 'offers' && method === 'DELETE') {
    const id = Number(idMatch[2])
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
  if (idMatch?.[1] === 'instances' && method === 'DELETE') {
    const id = Number(idMatch[2])
    const instance = sim.instances.vanish(id)
    if (!instance) return jsonReply(404, {success: false, error: 'not_found', msg: `instance ${id} does not exist`})
    await sim.sshServers.stop(instance)
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/gpu-load' && method === 'POST') {
    if (!isRecord(body) || (body.state !== 'idle' && body.state !== 'busy')) return bad('body must be {"instance_id"?: N, "state": "idle"|"busy"}')
    const state = body.state
    if (body.instance_id === undefined || body.instance_id === null) {
      // Without an id: every instance now, and the default for new ones.
      sim.config.gpuLoad = state
      for (const i of sim.instances.live()) i.gpuLoad = state
    } else {
      const instance = sim.instances.get(Number(body.instance_id))
      if (!instance) return jsonReply(404, {success: false, error: 'not_found', msg: `instance ${String(body.instance_id)} does not exist`})
      instance.gpuLoad = state
    }
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/gpu-report' && method === 'POST') {
    if (!isGpuReportBody(body)) return bad(GPU_REPORT_USAGE)
    const claim = parseGpuClaim(body)
    if (typeof claim === 'string') return bad(claim)
    const instance = sim.instances.get(Number(body.instance_id))
    if (!instance) return jsonReply(404, {success: false, error: 'not_found', msg: `instance ${String(body.instance_id)} does not exist`})
    return jsonReply(200, {success: true, reports: applyGpuClaim(instance.machine, instance.id, claim)})
  }
  if (path === '/_sim/reset' && method === 'POST') {
    await sim.reset()
    return jsonReply(200, {success: true})
  }
  return jsonReply(404, {success: false, error: 'not_found', msg: `no simulator control route ${method} ${path}`})
}

function simDetails(sim: VastSim, i: SimInstance): Record<string, unknown> {
  return {
    destroyed_at: i.destroyedAt,
    gpu_load: i.gpuLoad,
    ssh_listen_port: i.ssh?.port ?? null,
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
  await sim.sshServers.start(instance)
  return jsonReply(200, {success: true, new_contract: instance.id, instance: renderInstance(sim.instances, instance, now)})
}
