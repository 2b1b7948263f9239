import {jsonReply, type Reply} from '../shared/http-util.js'
import {keysFromCloudInit} from './cloud-init.js'
import {parseCreateRequest, type CreateRequest} from './create-request.js'
import type {TdHostnode} from './hostnodes.js'
import {isUuid} from './ids.js'
import {renderInstance, renderInstanceList} from './instance-view.js'
import type {SitePricing} from './location.js'
import type {TensorDockSim} from './simulator.js'
import {outcomeAtLocation} from './config.js'

export interface ApiRequest {
  method: string
  path: string
  url: URL
  body: unknown
  /** The id captured from the path, when the route has one (not yet checked to be a UUID). */
  id: string
}

type Handler = (sim: TensorDockSim, req: ApiRequest) => Reply | Promise<Reply>

export interface Route {
  method: string
  pattern: RegExp
  /**
   * `bearer`: `Authorization: Bearer <token>` only (query-param auth on /instances gave "Auth
   * issue" live); `bearer_or_query`: also `?api_key=<Authorization ID>&api_token=<token>`, which
   * worked live on /locations (providers.md §2.2).
   */
  auth: 'bearer' | 'bearer_or_query'
  handler: Handler
}

export const NOT_FOUND = {error: 'Instance not found'}

/** HTTP 200 with an error body: how the real API says a listing cannot be deployed (providers.md §2.8). */
function unavailable(error: string): Reply {
  return jsonReply(200, {status: 400, error})
}

const NO_NODES = 'No available nodes found'
const NO_PUBLIC_IPS = 'No available public IPs on hostnode'

/** What is left at each location: a sold-out listing shows `max_count: 0`. */
function locations(sim: TensorDockSim): Reply {
  return jsonReply(200, {data: {locations: sim.locations()}})
}

function hostnodes(sim: TensorDockSim): Reply {
  return jsonReply(200, {data: {hostnodes: sim.hostnodes()}})
}

function hostnode(sim: TensorDockSim, req: ApiRequest): Reply {
  const node = isUuid(req.id) ? sim.hostnodes().find((h) => h.id === req.id) : undefined
  if (!node) return jsonReply(404, {error: 'Hostnode not found'})
  return jsonReply(200, {data: node})
}

interface Placement {
  locationId: string
  hostnodeId: string | null
  pricePerGpuHr: number
  pricing: SitePricing
}

/** Where the VM goes, or the HTTP-200 error the real API gives when nothing fits. */
function place(sim: TensorDockSim, r: CreateRequest): Placement | Reply {
  if (sim.config.stale === 'no_nodes') return unavailable(NO_NODES)
  if (sim.config.stale === 'no_public_ips' && r.useDedicatedIp) return unavailable(NO_PUBLIC_IPS)
  if (r.hostnodeId !== null) return placeOnHostnode(sim, r, r.hostnodeId)
  const locationId = r.locationId as string
  // What live VMs hold is taken: parallel creates on one listing get its GPUs and no more.
  const gpu = sim.listing(locationId, r.v0Name)
  if (!gpu || sim.isStaleListing(locationId, r.v0Name)) return unavailable(NO_NODES)
  const max = gpu.resources
  if (r.gpuCount > gpu.max_count || r.vcpuCount > max.max_vcpus || r.ramGb > max.max_ram_gb || r.storageGb > max.max_storage_gb) return unavailable(NO_NODES)
  if (r.useDedicatedIp && !gpu.network_features.dedicated_ip_available) return unavailable(NO_PUBLIC_IPS)
  return {locationId, hostnodeId: null, pricePerGpuHr: gpu.price_per_hr, pricing: gpu.pricing}
}

function placeOnHostnode(sim: TensorDockSim, r: CreateRequest, hostnodeId: string): Placement | Reply {
  const node: TdHostnode | undefined = sim.hostnodes().find((h) => h.id === hostnodeId)
  // Text and shape as a third-party client models it (providers.md §2.8).
  if (!node) return jsonReply(200, {error: 'Hostnode unavailable', status: 400})
  const offered = node.available_resources.gpus.find((g) => g.v0Name === r.v0Name)
  const res = node.available_resources
  if (!offered || r.gpuCount > offered.availableCount || r.vcpuCount > res.vcpu_count || r.ramGb > res.ram_gb || r.storageGb > res.storage_gb) {
    return jsonReply(200, {error: 'Hostnode unavailable', status: 400})
  }
  if (sim.isStaleListing(node.location_id, r.v0Name)) return unavailable(NO_NODES)
  if (r.useDedicatedIp && !res.has_public_ip_available) return unavailable(NO_PUBLIC_IPS)
  // Hostnode deploys forward to that node's own free ports [docs]; the exact error text is inferred.
  const taken = r.portForwards.find((f) => !res.available_ports.includes(f.external_port))
  if (taken) return jsonReply(400, {error: `Port ${taken.external_port} is not available on this hostnode`})
  return {locationId: node.location_id, hostnodeId: node.id, pricePerGpuHr: offered.price_per_hr, pricing: node.pricing}
}

async function createInstance(sim: TensorDockSim, req: ApiRequest): Promise<Reply> {
  const parsed = parseCreateRequest(req.body)
  if ('issues' in parsed) return jsonReply(400, parsed.issues)
  if ('sshPortError' in parsed) return jsonReply(400, {error: parsed.sshPortError})
  const r = parsed.request
  const placement = place(sim, r)
  if (!('locationId' in placement)) return placement
  const instance = sim.instances.create({
    name: r.name,
    image: r.image,
    locationId: placement.locationId,
    hostnodeId: placement.hostnodeId,
    v0Name: r.v0Name,
    gpuCount: r.gpuCount,
    vcpuCount: r.vcpuCount,
    ramGb: r.ramGb,
    storageGb: r.storageGb,
    pricePerGpuHr: placement.pricePerGpuHr,
    pricing: {...placement.pricing},
    useDedicatedIp: r.useDedicatedIp,
    requestedForwards: r.portForwards,
    portForwardMode: sim.config.portForwards,
    cloudInitKeys: keysFromCloudInit(r.cloudInit),
    // Live the attribute alone never let anyone in (providers.md §2.11 item 5).
    attributeKey: sim.config.sshKeyAttribute === 'installed' ? r.sshKey : null,
    outcome: outcomeAtLocation(sim.config, placement.locationId),
    timings: {...sim.config.timings},
    gpuLoad: sim.config.gpuLoad,
  })
  await sim.servers.start(instance)
  // No IP here, and a status that means nothing yet (the docs example says running at once).
  // 201 follows the third-party spec; live clients accept 200 or 201 and neither is confirmed.
  return jsonReply(sim.config.createStatus, {data: {type: 'virtualmachine', id: instance.id, name: instance.name, status: 'running'}})
}

function getInstance(sim: TensorDockSim, req: ApiRequest): Reply {
  const instance = isUuid(req.id) ? sim.instances.get(req.id) : undefined
  if (!instance) return jsonReply(404, NOT_FOUND)
  return jsonReply(200, renderInstance(sim.instances, instance))
}

function listInstances(sim: TensorDockSim): Reply {
  return jsonReply(200, renderInstanceList(sim.instances, sim.instances.live(), sim.config))
}

async function deleteInstance(sim: TensorDockSim, req: ApiRequest): Promise<Reply> {
  const instance = isUuid(req.id) ? sim.instances.delete(req.id) : undefined
  if (!instance) return jsonReply(404, NOT_FOUND)
  await sim.servers.stop(instance)
  return jsonReply(200, {data: {type: 'success', attributes: {message: 'Instance deleted successfully'}}})
}

function power(on: boolean): Handler {
  return async (sim, req) => {
    const instance = isUuid(req.id) ? sim.instances.get(req.id) : undefined
    if (!instance) return jsonReply(404, NOT_FOUND)
    // The refusal text is inferred; the success envelope is documented.
    const refused = sim.instances.setPower(instance, on)
    if (refused) return jsonReply(400, {error: refused})
    // A stopped VM's processes end and its forwards close; started again, the forwards come back.
    if (on) await sim.servers.powerOn(instance)
    else await sim.servers.powerOff(instance)
    return jsonReply(200, {data: {type: 'instance', id: instance.id, attributes: {status: on ? 'starting' : 'stopping'}}})
  }
}

const ID = '([^/]+)'

/** Every path is under `/api/v2`; a trailing slash is tolerated. */
export const ROUTES: readonly Route[] = [
  {method: 'GET', pattern: /^\/api\/v2\/locations\/?$/, auth: 'bearer_or_query', handler: locations},
  {method: 'GET', pattern: /^\/api\/v2\/hostnodes\/?$/, auth: 'bearer_or_query', handler: hostnodes},
  {method: 'GET', pattern: new RegExp(`^/api/v2/hostnodes/${ID}/?$`), auth: 'bearer_or_query', handler: hostnode},
  {method: 'GET', pattern: /^\/api\/v2\/instances\/?$/, auth: 'bearer', handler: listInstances},
  {method: 'POST', pattern: /^\/api\/v2\/instances\/?$/, auth: 'bearer', handler: createInstance},
  {method: 'GET', pattern: new RegExp(`^/api/v2/instances/${ID}/?$`), auth: 'bearer', handler: getInstance},
  {method: 'DELETE', pattern: new RegExp(`^/api/v2/instances/${ID}/?$`), auth: 'bearer', handler: deleteInstance},
  {method: 'POST', pattern: new RegExp(`^/api/v2/instances/${ID}/start/?$`), auth: 'bearer', handler: power(true)},
  {method: 'POST', pattern: new RegExp(`^/api/v2/instances/${ID}/stop/?$`), auth: 'bearer', handler: power(false)},
]
