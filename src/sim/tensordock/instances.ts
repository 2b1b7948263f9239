import type {Clock} from '../../core/clock.js'
import {asMicroUsd, ceilMicroUsd, costForDuration, type MicroUsd} from '../../core/money.js'
import type {GpuLoad} from '../shared/nvidia-smi.js'
import {deriveSeed, mulberry32, roundTo, type SeededRandom} from '../shared/prng.js'
import type {PortToPublish} from '../shared/instance-servers.js'
import {machineFromJSON, newMachine, type SimMachine} from '../shared/machine.js'
import type {SshEndpoint} from '../shared/ssh-endpoint.js'
import type {CloudInitKeys} from './cloud-init.js'
import {seededUuid} from './ids.js'
import {tdStatusAt, type TdBoot, type TdOutcome, type TensorDockTimings} from './lifecycle.js'
import type {SitePricing} from './location.js'

export interface PortForward {
  internal_port: number
  external_port: number
}

export type PortForwardMode = 'honour' | 'ignore' | 'remap'

export interface TdInstance {
  id: string
  name: string
  image: string
  locationId: string | null
  hostnodeId: string | null
  v0Name: string
  gpuCount: number
  vcpuCount: number
  ramGb: number
  storageGb: number
  /** USD per GPU-hour and the site's per-unit prices, as listed when created. */
  pricePerGpuHr: number
  pricing: SitePricing
  useDedicatedIp: boolean
  requestedForwards: PortForward[]
  /** How this VM's forwards came out; fixed at create like the real host's behaviour. */
  portForwardMode: PortForwardMode
  /**
   * The external port each forwarded internal port (other than 22) got, by internal port: a
   * real listener on the simulator's host (instance-servers.ts), since every simulated VM shares
   * its loopback address.
   */
  forwardedPorts: Record<string, number>
  /** Keys cloud-init's runcmd leaves for each user. */
  cloudInitKeys: CloudInitKeys
  /** The `ssh_key` attribute, installed only when the simulator is told to be idealised. */
  attributeKey: string | null
  outcome: TdOutcome
  timings: TensorDockTimings
  boots: TdBoot[]
  pinnedStatus?: string
  createdAt: number
  deletedAt: number | null
  gpuLoad: GpuLoad
  ssh: SshEndpoint | null
  hostname: string
  /** The VM behind the instance: its own host key and the GPUs passed through to it. */
  machine: SimMachine
}

export type NewTdInstance = Omit<TdInstance, 'id' | 'createdAt' | 'deletedAt' | 'boots' | 'ssh' | 'hostname' | 'machine' | 'forwardedPorts'> & {
  /** Back-dates the start so a control-API instance is already up. */
  startedAt?: number
}

/**
 * The address reported once assigned. The real API gives the VM's public IP; here the SSH
 * endpoint is a real server on this machine's loopback, so that is where clients must connect.
 */
export const SIM_VM_IP = '127.0.0.1'

/** The store as a state file holds it: the id generator's position and every VM, whole, without the process's SSH server. */
export interface TdInstanceStoreJson {
  rngState: number
  instances: Omit<TdInstance, 'ssh'>[]
}

/** The account's VMs. Deleted ones are kept (for the control API) but never shown by the provider API. */
export class TdInstanceStore {
  private instances = new Map<string, TdInstance>()
  private rng: SeededRandom

  /** `rngState` continues an earlier id stream: neither a restart nor a reset hands out a UUID twice. */
  constructor(
    private readonly seed: number,
    private readonly clock: Clock,
    rngState?: number,
  ) {
    this.rng = mulberry32(rngState ?? deriveSeed(seed, 'tensordock-instances'))
  }

  static fromJSON(seed: number, clock: Clock, json: TdInstanceStoreJson): TdInstanceStore {
    const store = new TdInstanceStore(seed, clock, json.rngState)
    for (const saved of json.instances) {
      store.instances.set(saved.id, {...saved, forwardedPorts: saved.forwardedPorts ?? {}, ssh: null, machine: machineFromJSON(saved.machine, clock)})
    }
    return store
  }

  /** The id generator's position, for a store that must carry on after this one. */
  idState(): number {
    return this.rng.state()
  }

  toJSON(): TdInstanceStoreJson {
    return {rngState: this.rng.state(), instances: this.all().map(({ssh: _ssh, ...rest}) => rest)}
  }

  create(input: NewTdInstance): TdInstance {
    const now = this.clock.now()
    const id = seededUuid(this.rng)
    const {startedAt, ...rest} = input
    const instance: TdInstance = {
      ...rest,
      id,
      createdAt: startedAt ?? now,
      deletedAt: null,
      boots: [{startMs: startedAt ?? now, endMs: null}],
      forwardedPorts: {},
      ssh: null,
      hostname: hostnameFor(input.name, id),
      // Its own stream, so the machine's device ids never shift the instance ids that follow.
      machine: newMachine({name: input.v0Name, count: input.gpuCount, layout: 'vm', rng: mulberry32(deriveSeed(this.seed, `machine:${id}`))}, this.clock, hostnameFor(input.name, id)),
    }
    this.instances.set(id, instance)
    return instance
  }

  get(id: string): TdInstance | undefined {
    const instance = this.instances.get(id)
    return instance && instance.deletedAt === null ? instance : undefined
  }

  live(): TdInstance[] {
    return [...this.instances.values()].filter((i) => i.deletedAt === null)
  }

  all(): TdInstance[] {
    return [...this.instances.values()]
  }

  delete(id: string): TdInstance | undefined {
    const instance = this.get(id)
    if (instance) instance.deletedAt = this.clock.now()
    return instance
  }

  /** Gone without a trace (a ghost): the provider forgot it, not even the control API lists it. */
  vanish(id: string): TdInstance | undefined {
    const instance = this.instances.get(id)
    if (instance) this.instances.delete(id)
    return instance
  }

  status(instance: TdInstance): string {
    return tdStatusAt(instance, this.clock.now())
  }

  /** `""` until assigned (live: 5–30 s after create), then the address SSH answers on. */
  ipAddress(instance: TdInstance): string {
    return this.clock.now() >= instance.createdAt + instance.timings.ipAssignMs ? SIM_VM_IP : ''
  }

  /** Status after `POST /start` / `/stop`, or an error text when the move makes no sense now. */
  setPower(instance: TdInstance, on: boolean): string | null {
    const now = this.clock.now()
    const last = instance.boots[instance.boots.length - 1]
    const isOn = last !== undefined && last.endMs === null
    if (on) {
      if (isOn) return 'Instance is already running'
      delete instance.pinnedStatus
      instance.boots.push({startMs: now, endMs: null})
    } else {
      if (!isOn || !last) return 'Instance is not running'
      last.endMs = now
      delete instance.pinnedStatus
    }
    return null
  }

  /** USD/hour: GPUs at the listed per-GPU price plus the vCPU, RAM and storage it holds (providers.md §2.9). */
  rateHourly(instance: TdInstance): number {
    const p = instance.pricing
    const rate =
      instance.gpuCount * instance.pricePerGpuHr + instance.vcpuCount * p.per_vcpu_hr + instance.ramGb * p.per_gb_ram_hr + instance.storageGb * p.per_gb_storage_hr
    return roundTo(rate, 6)
  }

  /**
   * What the VM has been charged by now: `rateHourly` from the create while it runs; while
   * stopped only its storage bills. Rounded once per part, to the micro-dollar.
   */
  chargedMicroUsd(instance: TdInstance): MicroUsd {
    const end = Math.min(instance.deletedAt ?? Infinity, this.clock.now())
    const rate = ceilMicroUsd(this.rateHourly(instance))
    const storage = ceilMicroUsd(instance.storageGb * instance.pricing.per_gb_storage_hr)
    const runningMs = instance.boots.reduce((sum, b) => sum + Math.max(0, Math.min(b.endMs ?? Infinity, end) - b.startMs), 0)
    const existedMs = Math.max(0, end - instance.createdAt)
    if (runningMs === existedMs) return costForDuration(rate, existedMs)
    return asMicroUsd(costForDuration(storage, existedMs) + costForDuration(asMicroUsd(Math.max(0, rate - storage)), runningMs))
  }

  /**
   * The forwards the API reports. Every simulated VM shares the loopback address, so each
   * external port is a real one on it: the entry for internal port 22 names the VM's sshd, and
   * every other forward the listener it got (live the external port may differ from the request
   * too: "always read portForwards"). With `useDedicatedIp` the real API puts SSH on port 22 of
   * the IP; the simulator cannot bind port 22, so it reports the real port as a `22 → port`
   * forward instead.
   */
  portForwards(instance: TdInstance): PortForward[] {
    const sshPort = instance.ssh?.port ?? null
    if (!forwardsHonoured(instance)) return []
    const out: PortForward[] = []
    const seen = new Set<number>()
    for (const f of instance.requestedForwards) {
      if (seen.has(f.internal_port)) continue
      seen.add(f.internal_port)
      const external = f.internal_port === 22 ? sshPort : instance.forwardedPorts[String(f.internal_port)]
      if (external !== null && external !== undefined) out.push({internal_port: f.internal_port, external_port: external})
    }
    if (!seen.has(22) && instance.useDedicatedIp && sshPort !== null) out.unshift({internal_port: 22, external_port: sshPort})
    return out
  }

  /**
   * Keys the VM's sshd accepts for `username` right now: none until it runs with an address,
   * and then only what cloud-init's runcmd wrote, once cloud-init has run.
   */
  authorizedKeys(instance: TdInstance, username: string): string[] {
    const now = this.clock.now()
    if (instance.deletedAt !== null || this.status(instance) !== 'running' || this.ipAddress(instance) === '') return []
    const firstBoot = instance.boots[0]?.startMs ?? instance.createdAt
    if (now < firstBoot + instance.timings.cloudInitMs) return []
    const fromCloudInit = username === 'root' ? instance.cloudInitKeys.root : instance.cloudInitKeys.user
    return instance.attributeKey === null ? fromCloudInit : [...fromCloudInit, instance.attributeKey]
  }
}

/** Whether the VM's forwards exist at all: a host that ignores them leaves none, unless the VM has its own IP. */
function forwardsHonoured(instance: TdInstance): boolean {
  return instance.portForwardMode !== 'ignore' || instance.useDedicatedIp
}

/**
 * The forwards (other than SSH's) to make real listeners for. A hostnode deploy names ports from
 * that node's `available_ports`, and an honouring host gives them when they are free; a
 * location deploy gets whatever free port the simulator's host has (the port asked for, such as
 * 8000, may be the renter's own on this machine); a remapping host never gives the one asked for.
 */
export function portsToPublish(instance: TdInstance): PortToPublish[] {
  if (!forwardsHonoured(instance)) return []
  const out: PortToPublish[] = []
  for (const f of instance.requestedForwards) {
    const key = String(f.internal_port)
    if (f.internal_port === 22 || out.some((p) => p.key === key)) continue
    const asked = instance.portForwardMode === 'honour' && instance.hostnodeId !== null ? f.external_port : 0
    out.push({
      key,
      containerPort: f.internal_port,
      protocol: 'tcp',
      preferredHostPort: instance.forwardedPorts[key] ?? asked,
      ...(instance.portForwardMode === 'remap' ? {avoidHostPort: f.external_port} : {}),
    })
  }
  return out
}

/** Not stopped by its renter: the VM is meant to run. */
export function isPoweredOn(instance: TdInstance): boolean {
  const last = instance.boots[instance.boots.length - 1]
  return last !== undefined && last.endMs === null
}

function hostnameFor(name: string, id: string): string {
  const clean = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48)
  return clean === '' ? `td-${id.slice(0, 8)}` : clean
}
