import type {Clock} from '../../core/clock.js'
import {asMicroUsd, ceilMicroUsd, costForDuration, type MicroUsd} from '../../core/money.js'
import type {GpuLoad} from '../shared/nvidia-smi.js'
import {deriveSeed, mulberry32, randomInt, type SeededRandom} from '../shared/prng.js'
import type {PortToPublish} from '../shared/instance-servers.js'
import {machineFromJSON, newMachine, type SimMachine} from '../shared/machine.js'
import type {SshEndpoint} from '../shared/ssh-endpoint.js'
import {runningIntervals, statusAt, type BootSegment, type FinalOutcome, type StatusView, type VastTimings} from './lifecycle.js'
import {storageDph, type VastOffer} from './offer.js'

export interface SimInstance {
  id: number
  /** The offer as it was when rented. */
  offer: VastOffer
  createdAt: number
  label: string | null
  image: string
  /** GB, fixed for the instance's life. */
  disk: number
  runtype: string
  env: Record<string, string>
  onstart: string | null
  /** The template the create named (`template_hash_id`), merged into the fields above; absent in older state files. */
  template?: SimTemplateRef | null
  /** USD/h bid for interruptible instances; null for on-demand. */
  price: number | null
  outcome: FinalOutcome
  timings: VastTimings
  boots: BootSegment[]
  pinnedStatus?: string | null
  /** Hidden from list endpoints until then (live list lag). */
  listedFrom: number
  destroyedAt: number | null
  /** Keys attached through `POST /instances/{id}/ssh/`, usable from `usableAt`. */
  keys: {line: string; usableAt: number}[]
  /** Account keys when the instance was created: Vast injects them into new instances only. */
  accountKeys: string[]
  gpuLoad: GpuLoad
  ssh: SshEndpoint | null
  hostname: string
  /**
   * Host ports for `-p` mappings, by container port (`"8000/tcp"`): real listeners on the
   * simulator's host (instance-servers.ts), so this is the port each got; the one drawn from the
   * seed at create when it was free.
   */
  mappedPorts: Record<string, string>
  /** The box behind the instance: its own host key and the offer's GPUs, as nvidia-smi reports them. */
  machine: SimMachine
}

/** Which template an instance was created from, as its rows name it (`template_id`, `template_hash_id`, `template_name`). */
export interface SimTemplateRef {
  id: number
  hashId: string
  name: string
}

export interface NewInstance {
  offer: VastOffer
  label: string | null
  image: string
  disk: number
  runtype: string
  env: Record<string, string>
  onstart: string | null
  template?: SimTemplateRef | null
  price: number | null
  outcome: FinalOutcome
  timings: VastTimings
  listLagMs: number
  accountKeys: string[]
  gpuLoad: GpuLoad
  /** Marks the instance as created stopped (an under-bid spot create). */
  startStopped?: boolean
  pinnedStatus?: string | null
  /** Back-dates the start so a control-API instance is already up. */
  startedAt?: number
}

const DAY_MS = 86_400_000

/** One instance's charges for one UTC day (ms times, micro-USD amounts). */
export interface ChargeRow {
  instance: SimInstance
  /** Midnight UTC of the day. */
  day: number
  start: number
  end: number
  gpu: MicroUsd
  storage: MicroUsd
}

/** Where the id sequence stands, so neither a restart nor a reset hands out an id twice. */
export interface InstanceIdSequence {
  nextId: number
  rngState: number
}

/** The store as a state file holds it: every instance, whole, without the process's SSH server. */
export interface InstanceStoreJson extends InstanceIdSequence {
  instances: Omit<SimInstance, 'ssh'>[]
}

/** The `-p` mappings to make real for the instance, each on the host port it had when that is free. */
export function portsToPublish(instance: SimInstance): PortToPublish[] {
  return Object.entries(instance.mappedPorts).map(([key, hostPort]) => {
    const [port, protocol] = key.split('/')
    return {key, containerPort: Number(port), protocol: protocol === 'udp' ? 'udp' : 'tcp', preferredHostPort: Number(hostPort) || 0}
  })
}

/** Not stopped by its renter (nor created stopped): its container is meant to run. */
export function isPoweredOn(instance: SimInstance): boolean {
  const last = instance.boots[instance.boots.length - 1]
  return last !== undefined && last.endMs === null
}

/** The renter's instances, live and destroyed (destroyed ones still count toward the bill). */
export class InstanceStore {
  private instances = new Map<number, SimInstance>()
  private rng: SeededRandom
  private nextId: number

  constructor(
    private readonly seed: number,
    private readonly clock: Clock,
    continueFrom?: InstanceIdSequence,
  ) {
    this.rng = mulberry32(continueFrom?.rngState ?? deriveSeed(seed, 'instances'))
    this.nextId = continueFrom?.nextId ?? 9_000_000 + randomInt(this.rng, 1, 99_999)
  }

  static fromJSON(seed: number, clock: Clock, json: InstanceStoreJson): InstanceStore {
    const store = new InstanceStore(seed, clock, json)
    for (const saved of json.instances) store.instances.set(saved.id, {...saved, ssh: null, machine: machineFromJSON(saved.machine, clock)})
    return store
  }

  sequence(): InstanceIdSequence {
    return {nextId: this.nextId, rngState: this.rng.state()}
  }

  toJSON(): InstanceStoreJson {
    return {...this.sequence(), instances: this.all().map(({ssh: _ssh, ...rest}) => rest)}
  }

  create(input: NewInstance): SimInstance {
    const now = this.clock.now()
    const id = this.nextId
    this.nextId += randomInt(this.rng, 1, 50)
    const start = input.startedAt ?? now
    const mappedPorts: Record<string, string> = {}
    let hostPort = 40_000 + randomInt(this.rng, 0, 20_000)
    for (const key of Object.keys(input.env)) {
      const match = /^-p\s+(?:\d+:)?(\d+)(?:\/(tcp|udp))?$/.exec(key.trim())
      if (match) mappedPorts[`${match[1]}/${match[2] ?? 'tcp'}`] = String(hostPort++)
    }
    const instance: SimInstance = {
      id,
      offer: input.offer,
      createdAt: now,
      label: input.label,
      image: input.image,
      disk: input.disk,
      runtype: input.runtype,
      env: input.env,
      onstart: input.onstart,
      template: input.template ?? null,
      price: input.price,
      outcome: input.outcome,
      timings: {...input.timings},
      boots: input.startStopped ? [] : [{startMs: start, endMs: null}],
      listedFrom: now + input.listLagMs,
      destroyedAt: null,
      keys: [],
      accountKeys: [...input.accountKeys],
      gpuLoad: input.gpuLoad,
      ssh: null,
      hostname: `C.${id}`,
      mappedPorts,
      // Its own stream, so the machine's device ids never shift the instance ids that follow.
      machine: newMachine({
        name: input.offer.gpu_name,
        count: input.offer.num_gpus,
        memoryMiB: input.offer.gpu_ram,
        driverVersion: input.offer.driver_version,
        cudaVersion: input.offer.cuda_max_good,
        layout: 'metal',
        rng: mulberry32(deriveSeed(this.seed, `machine:${id}`)),
      }, this.clock, `C.${id}`),
    }
    if (input.pinnedStatus !== undefined) instance.pinnedStatus = input.pinnedStatus
    this.instances.set(id, instance)
    return instance
  }

  /** A live (not destroyed) instance. */
  get(id: number): SimInstance | undefined {
    const instance = this.instances.get(id)
    return instance && instance.destroyedAt === null ? instance : undefined
  }

  live(): SimInstance[] {
    return [...this.instances.values()].filter((i) => i.destroyedAt === null)
  }

  /** Live instances a list endpoint shows now (new ones appear after the list lag). */
  listed(): SimInstance[] {
    const now = this.clock.now()
    return this.live().filter((i) => i.listedFrom <= now)
  }

  all(): SimInstance[] {
    return [...this.instances.values()]
  }

  destroy(id: number): SimInstance | undefined {
    const instance = this.get(id)
    if (!instance) return undefined
    instance.destroyedAt = this.clock.now()
    return instance
  }

  /** Gone without a trace, as when Vast loses an instance: not even billing remembers it. */
  vanish(id: number): SimInstance | undefined {
    const instance = this.instances.get(id)
    if (instance) this.instances.delete(id)
    return instance
  }

  clear(): void {
    this.instances.clear()
  }

  status(instance: SimInstance): StatusView {
    return statusAt(instance, this.clock.now())
  }

  setState(instance: SimInstance, state: 'running' | 'stopped'): void {
    const now = this.clock.now()
    const last = instance.boots[instance.boots.length - 1]
    const isOn = last !== undefined && last.endMs === null
    if (state === 'stopped' && isOn) last.endMs = now
    if (state === 'running' && !isOn) {
      delete instance.pinnedStatus
      instance.boots.push({startMs: now, endMs: null})
    }
  }

  /** USD per hour actually charged while running: compute plus this instance's disk. */
  dphTotal(instance: SimInstance): number {
    return this.dphBase(instance) + storageDph(instance.offer.storage_cost, instance.disk)
  }

  dphBase(instance: SimInstance): number {
    return instance.price ?? instance.offer.dph_base
  }

  /** What the instance is billed per hour, as Vast books it: each part rounded up to the micro-dollar. */
  billingRates(instance: SimInstance): {compute: MicroUsd; storage: MicroUsd} {
    return {compute: ceilMicroUsd(this.dphBase(instance)), storage: ceilMicroUsd(storageDph(instance.offer.storage_cost, instance.disk))}
  }

  /**
   * What the instance has been charged by `atMs` (now by default): storage from creation to
   * the destroy, compute only while running (providers.md §1.5), each rounded once.
   */
  chargedMicroUsd(instance: SimInstance, atMs = this.clock.now()): MicroUsd {
    const end = Math.min(instance.destroyedAt ?? Infinity, this.clock.now(), atMs)
    const rates = this.billingRates(instance)
    const runningMs = runningIntervals(instance, end).reduce((sum, [a, b]) => sum + (b - a), 0)
    return asMicroUsd(costForDuration(rates.storage, end - instance.createdAt) + costForDuration(rates.compute, runningMs))
  }

  /**
   * The account's instance charges as `GET /api/v0/charges/` lists them: one row per instance
   * and UTC day it existed, split into GPU and storage items. Each row is the difference of the
   * running total at the day's ends, so the rows of an instance add up to its exact charge.
   */
  chargeRows(): ChargeRow[] {
    const now = this.clock.now()
    const rows: ChargeRow[] = []
    for (const instance of this.instances.values()) {
      const end = Math.min(instance.destroyedAt ?? now, now)
      const rates = this.billingRates(instance)
      const runningBy = (t: number) => runningIntervals(instance, t).reduce((sum, [a, b]) => sum + (b - a), 0)
      for (let day = Math.floor(instance.createdAt / DAY_MS) * DAY_MS; day <= end; day += DAY_MS) {
        const from = Math.max(day, instance.createdAt)
        const to = Math.min(day + DAY_MS, end)
        if (to < from || (to === from && from !== instance.createdAt)) continue
        const gpu = costForDuration(rates.compute, runningBy(to)) - costForDuration(rates.compute, runningBy(from))
        const storage = costForDuration(rates.storage, to - instance.createdAt) - costForDuration(rates.storage, from - instance.createdAt)
        rows.push({instance, day, start: from, end: to, gpu: asMicroUsd(gpu), storage: asMicroUsd(storage)})
      }
    }
    return rows
  }

  /** Keys the instance's sshd accepts right now. */
  authorizedKeys(instance: SimInstance): string[] {
    const now = this.clock.now()
    if (instance.destroyedAt !== null || this.status(instance).actual_status !== 'running') return []
    return [...instance.accountKeys, ...instance.keys.filter((k) => k.usableAt <= now).map((k) => k.line)]
  }
}
