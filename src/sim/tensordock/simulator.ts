import type {Clock} from '../../core/clock.js'
import {acceptsCredential} from '../shared/credential.js'
import {FaultInjector, HeldResponses} from '../shared/faults.js'
import {InstanceServers} from '../shared/instance-servers.js'
import {deriveSeed, mulberry32} from '../shared/prng.js'
import {RequestLog} from '../shared/request-log.js'
import {SimStateFiles} from '../shared/state-files.js'
import {SlidingWindowLimiter} from '../shared/window-limiter.js'
import {DEFAULT_VM_USER} from './cloud-init.js'
import type {TensorDockSimConfig} from './config.js'
import {listingKey, remainingGpu, remainingHostnode, remainingLocations, usageByListing} from './capacity.js'
import {hostnodesOf, type TdHostnode} from './hostnodes.js'
import {isPoweredOn, portsToPublish, SIM_VM_IP, TdInstanceStore, type TdInstance, type TdInstanceStoreJson} from './instances.js'
import {DEFAULT_TD_TIMINGS} from './lifecycle.js'
import type {TdLocation, TdLocationGpu} from './location.js'
import {TensorDockMarket, type TensorDockMarketJson} from './market.js'

export interface TensorDockSimSettings {
  seed: number
  locationCount: number
  clock: Clock
  /** When set only this token is accepted; otherwise any non-empty token is. */
  apiToken?: string | undefined
  /** When set, `?api_key=` on /locations must equal it (the dashboard's "Authorization ID"). */
  authId?: string | undefined
  /** The config `reset` returns to: defaults plus the start options. */
  initialConfig: TensorDockSimConfig
  /** Keep the state here across restarts (`tensordock.json`, `tensordock-market.json`); in memory only when unset. */
  stateDir?: string | undefined
}

/** What `tensordock.json` holds; the market is in its own file. */
interface TensorDockSimJson {
  seed: number
  config: TensorDockSimConfig
  instances: TdInstanceStoreJson
}

/** Everything one simulated TensorDock organisation and marketplace holds. */
export class TensorDockSim {
  readonly clock: Clock
  readonly seed: number
  readonly faults: FaultInjector
  readonly log = new RequestLog()
  readonly held = new HeldResponses()
  readonly limiter: SlidingWindowLimiter
  config: TensorDockSimConfig
  market: TensorDockMarket
  instances: TdInstanceStore
  readonly state: SimStateFiles | null
  readonly servers: InstanceServers<TdInstance>

  constructor(private readonly settings: TensorDockSimSettings) {
    this.clock = settings.clock
    this.seed = settings.seed
    this.faults = new FaultInjector(deriveSeed(settings.seed, 'tensordock'))
    this.state = SimStateFiles.open(settings.stateDir, 'tensordock', this)
    const saved = this.state?.read<TensorDockSimJson, TensorDockMarketJson>((m) => TensorDockMarket.matches(m, settings.seed, settings.locationCount))
    this.config = {...structuredClone(settings.initialConfig), ...saved?.state?.config}
    // A state file from before a timing existed gets its default.
    this.config.timings = {...DEFAULT_TD_TIMINGS, ...this.config.timings}
    this.config.brokenLocations ??= {}
    this.market = new TensorDockMarket(settings.seed, settings.locationCount, settings.clock, this.config.churn, saved?.market ?? undefined)
    if (saved?.market) this.state?.marketRestored()
    this.instances = saved?.state ? TdInstanceStore.fromJSON(settings.seed, settings.clock, saved.state.instances) : new TdInstanceStore(settings.seed, settings.clock)
    this.limiter = new SlidingWindowLimiter(settings.clock)
    this.servers = new InstanceServers({
      host: SIM_VM_IP,
      usernames: [DEFAULT_VM_USER, 'root'],
      clock: settings.clock,
      // A broken location's VMs take no key at all.
      authorizedKeys: (instance, username) =>
        instance.locationId !== null && this.config.brokenLocations[instance.locationId] === 'no_ssh' ? [] : this.instances.authorizedKeys(instance, username),
      hardware: (instance) => ({diskGb: instance.storageGb, rootDevice: '/dev/vda1', memoryMiB: instance.ramGb * 1024, cpus: instance.vcpuCount}),
      isGone: (instance) => instance.deletedAt !== null || !this.instances.all().includes(instance),
      // An OS image: no model server ships with it, whatever a workload runs is the renter's own.
      image: (instance) => instance.image,
      isPoweredOn,
      isUp: (instance) => instance.deletedAt === null && this.instances.status(instance) === 'running',
      portsToPublish,
      portPublished: (instance, port, hostPort) => {
        instance.forwardedPorts[port.key] = hostPort
      },
      modelLoadMs: () => this.config.timings.modelLoadMs,
      changed: () => this.state?.changed(),
    })
  }

  toJSON(): TensorDockSimJson {
    return {seed: this.seed, config: this.config, instances: this.instances.toJSON()}
  }

  isAcceptedToken(token: string | null): boolean {
    return acceptsCredential(token, this.settings.apiToken)
  }

  isAcceptedAuthId(id: string | null): boolean {
    return acceptsCredential(id, this.settings.authId)
  }

  /** The locations as the API shows them: each listing's counts minus what live VMs hold. */
  locations(): TdLocation[] {
    return remainingLocations(this.market.all(), usageByListing(this.instances.live()))
  }

  /** One listing as it stands now, or undefined when the location does not offer that GPU. */
  listing(locationId: string, v0Name: string): TdLocationGpu | undefined {
    const gpu = this.market.gpuAt(locationId, v0Name)
    return gpu && remainingGpu(gpu, usageByListing(this.instances.live()).get(listingKey(locationId, v0Name)))
  }

  hostnodes(): TdHostnode[] {
    const usage = usageByListing(this.instances.live())
    return hostnodesOf(this.seed, this.market.all()).map((node) => remainingHostnode(node, usage))
  }

  /**
   * Listed but never deployable: the stale inventory that is the norm live (providers.md
   * §2.11 item 1). Decided per listing from the seed, so the same listings are stale every run.
   */
  isStaleListing(locationId: string, v0Name: string): boolean {
    const fraction = this.config.staleFraction
    if (fraction <= 0) return false
    return mulberry32(deriveSeed(this.seed, `stale:${locationId}:${v0Name}`))() < fraction
  }

  /**
   * The market, instances and config back to right after start, for `/_sim/reset` (which also stops
   * every instance's servers and clears faults and the request log).
   */
  reset(): void {
    this.config = structuredClone(this.settings.initialConfig)
    this.market = new TensorDockMarket(this.seed, this.settings.locationCount, this.clock, this.config.churn)
    this.state?.marketReplaced()
    // UUIDs go on from where they were: an id handed out before the reset is never handed out again.
    this.instances = new TdInstanceStore(this.seed, this.clock, this.instances.idState())
    this.limiter.reset()
  }
}
