import type {ProviderControl} from '../control/common-routes.js'
import {renderReportedGpus} from '../control/gpu-claim.js'
import {isRecord, jsonReply, type Reply, type SimRequest} from '../shared/http-util.js'
import {keysFromCloudInit} from './cloud-init.js'
import {applyConfigPatch, renderConfig} from './config.js'
import {findGpuModel} from './gpu-catalog.js'
import {renderInstance} from './instance-view.js'
import type {TdInstance} from './instances.js'
import type {TdLocation, TdLocationGpu} from './location.js'
import type {TensorDockSim} from './simulator.js'

/**
 * The TensorDock simulator's part of the `/_sim/` control surface (common-routes.ts has the
 * routes every simulator shares). Offers here are TensorDock's own JSON: locations, and an
 * offer id is `<location id>` or `<location id>:<v0Name>`. Instance ids are UUIDs, taken as
 * written: an unknown one is a 404, not a bad request.
 * - `GET|POST /_sim/offers`, `DELETE /_sim/offers/{id}`
 * - `GET|POST /_sim/instances` (POST: an orphan)
 */
export function tensorDockControl(sim: TensorDockSim): ProviderControl<string> {
  return {
    name: 'tensordock',
    instanceIds: {usage: '"<uuid>"', fromPath: (segment) => segment, fromBody: (value) => String(value)},
    marketCounts: () => ({locations: sim.market.all().length, offers: sim.market.all().reduce((n, l) => n + l.gpus.length, 0)}),
    renderConfig: () => renderConfig(sim.config),
    patchConfig(body) {
      applyConfigPatch(sim.config, body)
      sim.market.churn = {...sim.config.churn}
    },
    handle: (request) => handleTensorDockControl(sim, request),
  }
}

async function handleTensorDockControl(sim: TensorDockSim, {method, path, url, body}: SimRequest): Promise<Reply | null> {
  const bad = (msg: string) => jsonReply(400, {success: false, error: 'invalid_args', msg})
  const offerMatch = /^\/_sim\/offers\/([^/]+)$/.exec(path)

  if (path === '/_sim/offers') {
    if (method === 'GET') return jsonReply(200, {data: {locations: sim.market.all()}})
    if (method === 'POST') {
      const data = isRecord(body) ? body.data : undefined
      const locations = isRecord(data) ? data.locations : undefined
      if (!Array.isArray(locations) || !locations.every(isRecord)) return bad('body must be {"data":{"locations":[location, ...]}} in TensorDock\'s JSON')
      const mode = (url.searchParams.get('mode') ?? (isRecord(body) ? body.mode : undefined)) === 'append' ? 'append' : 'replace'
      const added = sim.market.load(locations, mode)
      return jsonReply(200, {success: true, mode, ids: added.map((l) => l.id), count: sim.market.all().length, data: {locations: added}})
    }
  }
  if (offerMatch && method === 'DELETE') {
    const id = decodeURIComponent(offerMatch[1] ?? '')
    if (!sim.market.remove(id)) return jsonReply(404, {success: false, error: 'not_found', msg: `offer ${id} is not on the market`})
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/instances') {
    if (method === 'GET') {
      return jsonReply(200, {
        instances: sim.instances.all().map((i) => ({
          ...(i.deletedAt === null ? renderInstance(sim.instances, i) : {type: 'virtualmachine', id: i.id, name: i.name}),
          sim: simDetails(sim, i),
        })),
      })
    }
    if (method === 'POST') return createDirect(sim, body)
  }
  return null
}

function simDetails(sim: TensorDockSim, i: TdInstance): Record<string, unknown> {
  return {
    deleted_at: i.deletedAt,
    location_id: i.locationId,
    hostnode_id: i.hostnodeId,
    gpu_load: i.gpuLoad,
    ssh_listen_port: i.ssh?.port ?? null,
    // Model servers its workloads launched, loading or ready (model-server.ts).
    workloads: sim.servers.workloadsOf(i),
    ssh_host_key_fingerprint: i.machine.hostKey.fingerprint,
    gpu_report: renderReportedGpus(i.machine),
    use_dedicated_ip: i.useDedicatedIp,
    authorized_keys: {user: i.cloudInitKeys.user.length, root: i.cloudInitKeys.root.length},
    outcome: i.outcome,
    created_at: i.createdAt,
    charged_usd: sim.instances.chargedMicroUsd(i) / 1_000_000,
    charged_micro_usd: sim.instances.chargedMicroUsd(i),
  }
}

/**
 * A VM nobody asked the API for: an orphan from an earlier run, with any name. It is already
 * up (or pinned to `status`), and an `ssh_key` given here is authorised for `user` and `root`
 * as if its cloud-init had done it.
 */
async function createDirect(sim: TensorDockSim, body: unknown): Promise<Reply> {
  const b = body === undefined ? {} : body
  const bad = (msg: string) => jsonReply(400, {success: false, error: 'invalid_args', msg})
  if (!isRecord(b)) return bad('body must be a JSON object')
  const v0Name = typeof b.v0Name === 'string' ? b.v0Name : typeof b.gpu === 'string' ? b.gpu : undefined
  if (v0Name !== undefined && !findGpuModel(v0Name)) return bad(`unknown v0Name ${v0Name}`)
  const found = findListing(sim.market.all(), typeof b.location_id === 'string' ? b.location_id : undefined, v0Name)
  if (!found) return bad('no location offers that GPU; post one to /_sim/offers first')
  const [location, gpu] = found
  const status = b.status === undefined ? 'running' : b.status
  if (typeof status !== 'string') return bad('status must be a string')
  const t = sim.config.timings
  const sshKey = typeof b.ssh_key === 'string' ? b.ssh_key.trim() : null
  const cloudInitKeys = keysFromCloudInit(b.cloud_init)
  if (sshKey) {
    cloudInitKeys.user.push(sshKey)
    cloudInitKeys.root.push(sshKey)
  }
  const count = b.count === undefined ? 1 : Number(b.count)
  const instance = sim.instances.create({
    name: typeof b.name === 'string' ? b.name : 'orphan',
    image: typeof b.image === 'string' ? b.image : 'ubuntu2204',
    locationId: location.id,
    hostnodeId: null,
    v0Name: gpu.v0Name,
    gpuCount: Number.isInteger(count) && count > 0 ? count : 1,
    vcpuCount: b.vcpu_count === undefined ? 8 : Number(b.vcpu_count),
    ramGb: b.ram_gb === undefined ? 32 : Number(b.ram_gb),
    storageGb: b.storage_gb === undefined ? 100 : Number(b.storage_gb),
    pricePerGpuHr: b.price_per_hr === undefined ? gpu.price_per_hr : Number(b.price_per_hr),
    pricing: {...gpu.pricing},
    useDedicatedIp: b.use_dedicated_ip !== false,
    requestedForwards: [{internal_port: 22, external_port: 22}],
    portForwardMode: 'honour',
    cloudInitKeys,
    attributeKey: null,
    outcome: 'running',
    timings: {...t},
    gpuLoad: b.gpu_load === 'busy' ? 'busy' : sim.config.gpuLoad,
    // Already up: boot, address and cloud-init all in the past.
    startedAt: sim.clock.now() - Math.max(t.creatingMs, t.ipAssignMs, t.cloudInitMs),
  })
  if (status !== 'running') instance.pinnedStatus = status
  await sim.servers.start(instance)
  return jsonReply(200, {success: true, id: instance.id, instance: renderInstance(sim.instances, instance)})
}

function findListing(locations: readonly TdLocation[], locationId: string | undefined, v0Name: string | undefined): [TdLocation, TdLocationGpu] | null {
  for (const location of locations) {
    if (locationId !== undefined && location.id !== locationId) continue
    const gpu = location.gpus.find((g) => v0Name === undefined || g.v0Name === v0Name)
    if (gpu) return [location, gpu]
  }
  return null
}
