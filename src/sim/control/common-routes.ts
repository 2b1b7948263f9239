import type {Clock} from '../../core/clock.js'
import {parseFaultConfig, type FaultInjector} from '../shared/faults.js'
import {isRecord, jsonReply, type Reply, type SimRequest} from '../shared/http-util.js'
import type {InstanceServers, ServedInstance} from '../shared/instance-servers.js'
import type {GpuLoad} from '../shared/nvidia-smi.js'
import type {RequestLog} from '../shared/request-log.js'
import type {SimStateFiles} from '../shared/state-files.js'
import {applyGpuClaim, gpuReportUsage, isGpuReportBody, parseGpuClaim} from './gpu-claim.js'

/** An instance as the shared routes touch it. */
export interface ControlledInstance extends ServedInstance {
  readonly id: string | number
  /** Epoch ms it was created: when its machine booted, for the kernel log's clock. */
  readonly createdAt: number
}

/** What the shared routes need of a simulator. */
export interface ControlledSim<Id, I extends ControlledInstance> {
  readonly seed: number
  readonly clock: Clock
  readonly faults: FaultInjector
  readonly log: RequestLog
  readonly state: SimStateFiles | null
  /** `gpuLoad` is what new instances start with. */
  readonly config: {gpuLoad: GpuLoad}
  /** `get` finds live instances only; `vanish` forgets any instance, as if it had never been. */
  readonly instances: {live(): readonly I[]; get(id: Id): I | undefined; vanish(id: Id): I | undefined}
  readonly servers: InstanceServers<I>
  /** The provider's own state (config, market, instances, account) back to right after start. */
  reset(): void
}

/** How a simulator's instance ids are written in control requests. */
export interface InstanceIds<Id> {
  /** How a usage message writes one: `N`, `"<uuid>"`. */
  usage: string
  /** The id in `/_sim/instances/{id}`; null when the path cannot name an instance (then it is no route). */
  fromPath(segment: string): Id | null
  /** The id in a body's `instance_id`. */
  fromBody(value: unknown): Id
}

/** What one provider adds to the shared routes. */
export interface ProviderControl<Id> {
  /** `provider` in `/_sim/info`. */
  name: string
  instanceIds: InstanceIds<Id>
  /** What `/_sim/info` counts on the market. */
  marketCounts(): Record<string, number>
  /** `GET /_sim/config`'s answer. */
  renderConfig(): Record<string, unknown>
  /** Applies a `POST /_sim/config` body, throwing on a bad one; what it changes takes effect at once. */
  patchConfig(body: unknown): void
  /** The provider's own routes (its offers, orphans); null when the request is none of them. */
  handle(request: SimRequest): Promise<Reply | null>
}

/**
 * The `/_sim/` test-control surface (no auth; no real client calls it). The routes every
 * simulated provider shares are here; the rest go to the provider's own `handle`:
 * - `GET /_sim/info`, `GET|POST /_sim/config`, `POST /_sim/reset` (back to the state right after start)
 * - `GET|POST|DELETE /_sim/faults`: fault injection; `GET|DELETE /_sim/requests`: the request log
 * - `DELETE /_sim/instances/{id}`: a ghost, gone without a trace
 * - `POST /_sim/gpu-load` `{"instance_id"?: ID, "state": "idle"|"busy"}`; without an id, every
 *   instance and the default for new ones
 * - `POST /_sim/gpu-report` `{"instance_id": ID, "gpu_name"?, "num_gpus"?, "gpu_ram_mib"?}`: that
 *   instance's nvidia-smi reports these GPUs instead of the rented ones (see gpu-claim.ts)
 * - `POST /_sim/oom` `{"instance_id": ID, "process"?: NAME}`: the kernel kills that instance's
 *   workload for want of memory (see oom-kill.ts)
 */
export async function handleControl<Id, I extends ControlledInstance>(sim: ControlledSim<Id, I>, provider: ProviderControl<Id>, request: SimRequest): Promise<Reply> {
  const {method, path, url, body} = request
  const ids = provider.instanceIds
  const bad = (msg: string) => jsonReply(400, {success: false, error: 'invalid_args', msg})
  const noInstance = (id: unknown) => jsonReply(404, {success: false, error: 'not_found', msg: `instance ${String(id)} does not exist`})
  if (path === '/_sim/info' && method === 'GET') {
    return jsonReply(200, {
      provider: provider.name,
      seed: sim.seed,
      ...provider.marketCounts(),
      instances: sim.instances.live().length,
      now: sim.clock.now(),
      // Where the state is kept across restarts (null: in memory only), and the last write error.
      state_dir: sim.state?.dir ?? null,
      state_error: sim.state?.lastError ?? null,
    })
  }
  if (path === '/_sim/config') {
    if (method === 'GET') return jsonReply(200, {config: provider.renderConfig()})
    if (method === 'POST') {
      try {
        provider.patchConfig(body)
      } catch (error) {
        return bad(error instanceof Error ? error.message : String(error))
      }
      return jsonReply(200, {success: true, config: provider.renderConfig()})
    }
  }
  if (path === '/_sim/reset' && method === 'POST') {
    await sim.servers.stopAll()
    sim.reset()
    sim.faults.clear()
    sim.log.clear()
    sim.state?.changed()
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/faults') {
    if (method === 'POST') {
      const config = parseFaultConfig(body)
      if (typeof config === 'string') return bad(config)
      sim.faults.set(config)
      return jsonReply(200, {success: true, faults: renderFaults(sim.faults)})
    }
    if (method === 'DELETE') {
      sim.faults.clear()
      return jsonReply(200, {success: true})
    }
    if (method === 'GET') return jsonReply(200, {faults: renderFaults(sim.faults)})
  }
  if (path === '/_sim/requests') {
    if (method === 'GET') {
      const prefix = url.searchParams.get('path_prefix')
      const requests = sim.log.list().filter((r) => prefix === null || r.path.startsWith(prefix))
      return jsonReply(200, {requests})
    }
    if (method === 'DELETE') {
      sim.log.clear()
      return jsonReply(200, {success: true})
    }
  }
  const instancePath = /^\/_sim\/instances\/([^/]+)$/.exec(path)
  const pathId = instancePath ? ids.fromPath(instancePath[1] as string) : null
  if (pathId !== null && method === 'DELETE') {
    const instance = sim.instances.vanish(pathId)
    if (!instance) return noInstance(pathId)
    await sim.servers.stop(instance)
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/gpu-load' && method === 'POST') {
    if (!isRecord(body) || (body.state !== 'idle' && body.state !== 'busy')) return bad(`body must be {"instance_id"?: ${ids.usage}, "state": "idle"|"busy"}`)
    const state = body.state
    if (body.instance_id === undefined || body.instance_id === null) {
      sim.config.gpuLoad = state
      for (const i of sim.instances.live()) i.gpuLoad = state
    } else {
      const instance = sim.instances.get(ids.fromBody(body.instance_id))
      if (!instance) return noInstance(body.instance_id)
      instance.gpuLoad = state
    }
    return jsonReply(200, {success: true})
  }
  if (path === '/_sim/gpu-report' && method === 'POST') {
    if (!isGpuReportBody(body)) return bad(gpuReportUsage(ids.usage))
    const claim = parseGpuClaim(body)
    if (typeof claim === 'string') return bad(claim)
    const instance = sim.instances.get(ids.fromBody(body.instance_id))
    if (!instance) return noInstance(body.instance_id)
    return jsonReply(200, {success: true, reports: applyGpuClaim(instance.machine, instance.id, claim)})
  }
  if (path === '/_sim/oom' && method === 'POST') {
    if (!isRecord(body) || body.instance_id === undefined || (body.process !== undefined && (typeof body.process !== 'string' || !/^[\w.-]{1,15}$/.test(body.process)))) {
      return bad(`body must be {"instance_id": ${ids.usage}, "process"?: "python3"}`)
    }
    const instance = sim.instances.get(ids.fromBody(body.instance_id))
    if (!instance) return noInstance(body.instance_id)
    const killed = await sim.servers.oomKill(instance, typeof body.process === 'string' ? body.process : 'python3', instance.createdAt)
    return jsonReply(200, {success: true, killed_pid: killed.pid})
  }
  return (await provider.handle(request)) ?? jsonReply(404, {success: false, error: 'not_found', msg: `no simulator control route ${method} ${path}`})
}

function renderFaults(faults: FaultInjector): Record<string, unknown> | null {
  const c = faults.current()
  if (!c) return null
  return {rate: c.rate, kinds: c.kinds, retry_after_seconds: c.retryAfterSeconds ?? null, paths: c.paths ?? null, count: c.count ?? null}
}
