import type {Clock} from '../../core/clock.js'
import {FaultInjector, HeldResponses} from '../shared/faults.js'
import {reportedGpus} from '../shared/machine.js'
import {deriveSeed, mulberry32} from '../shared/prng.js'
import {RequestLog} from '../shared/request-log.js'
import {startSshEndpoint} from '../shared/ssh-endpoint.js'
import {SimStateFiles} from '../shared/state-files.js'
import {SlidingWindowLimiter} from '../shared/window-limiter.js'
import {DEFAULT_VM_USER} from './cloud-init.js'
import type {TensorDockSimConfig} from './config.js'
import {listingKey, remainingGpu, remainingHostnode, remainingLocations, usageByListing} from './capacity.js'
import {hostnodesOf, type TdHostnode} from './hostnodes.js'
import {SIM_VM_IP, TdInstanceStore, type TdInstance, type TdInstanceStoreJson} from './instances.js'
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
  private pendingSsh = new Set<Promise<unknown>>()
  private closed = false

  constructor(private readonly settings: TensorDockSimSettings) {
    this.clock = settings.clock
    this.seed = settings.seed
    this.faults = new FaultInjector(deriveSeed(settings.seed, 'tensordock'))
    this.config = structuredClone(settings.initialConfig)
    this.state =
      settings.stateDir === undefined
        ? null
        : new SimStateFiles(settings.stateDir, 'tensordock', {state: () => this.toJSON(), market: () => this.market.toJSON(), marketVersion: () => this.market.version})
    const saved = this.state?.read() ?? {state: null, market: null}
    const savedState = saved.state as TensorDockSimJson | null
    const savedMarket = saved.market as TensorDockMarketJson | null
    if (savedState) this.config = {...this.config, ...savedState.config}
    const reuseMarket = savedMarket !== null && TensorDockMarket.matches(savedMarket, settings.seed, settings.locationCount)
    this.market = new TensorDockMarket(settings.seed, settings.locationCount, settings.clock, this.config.churn, reuseMarket ? savedMarket : undefined)
    if (reuseMarket) this.state?.marketRestored(this.market.version)
    this.instances = savedState ? TdInstanceStore.fromJSON(settings.seed, settings.clock, savedState.instances) : new TdInstanceStore(settings.seed, settings.clock)
    this.limiter = new SlidingWindowLimiter(settings.clock)
  }

  toJSON(): TensorDockSimJson {
    return {seed: this.seed, config: this.config, instances: this.instances.toJSON()}
  }

  /** After a restart: every live VM's sshd comes back, with its own host key, on its old port when free. */
  async resumeMachines(): Promise<void> {
    await Promise.all(this.instances.live().map((i) => this.startSsh(i)))
  }

  /** Called after every request; the state files write what changed. */
  afterRequest(method: string): void {
    this.state?.afterRequest(method)
  }

  isAcceptedToken(token: string | null): boolean {
    if (!token) return false
    return this.settings.apiToken === undefined ? true : token === this.settings.apiToken
  }

  isAcceptedAuthId(id: string | null): boolean {
    if (!id) return false
    return this.settings.authId === undefined ? true : id === this.settings.authId
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

  /** Gives the VM its own sshd on loopback at create; logins work once it runs and cloud-init is done. */
  async startSsh(instance: TdInstance): Promise<void> {
    if (this.closed) return
    // Whatever the shell or SFTP writes to the disk is state to keep.
    instance.machine.fs.onChange = () => this.state?.changed()
    const starting = startSshEndpoint({
      host: SIM_VM_IP,
      port: instance.machine.sshPort ?? 0,
      hostKey: instance.machine.hostKey.privateKey,
      username: [DEFAULT_VM_USER, 'root'],
      authorizedKeys: (username) => this.instances.authorizedKeys(instance, username),
      shell: {
        hostname: instance.hostname,
        gpuLoad: () => instance.gpuLoad,
        gpus: () => reportedGpus(instance.machine),
        now: () => this.clock.now(),
        fs: instance.machine.fs,
        hardware: {diskGb: instance.storageGb, rootDevice: '/dev/vda1', memoryMiB: instance.ramGb * 1024, cpus: instance.vcpuCount},
      },
    })
    this.pendingSsh.add(starting)
    try {
      instance.ssh = await starting
      instance.machine.sshPort = instance.ssh.port
      this.state?.changed()
      // Deleted (or the simulator closed) while the endpoint was starting.
      if (instance.deletedAt !== null || this.closed || !this.instances.all().includes(instance)) await this.stopSsh(instance)
    } finally {
      this.pendingSsh.delete(starting)
    }
  }

  async stopSsh(instance: TdInstance): Promise<void> {
    await instance.ssh?.close()
  }

  /** Back to the state right after start: same seed, same market, no instances, start config. */
  async reset(): Promise<void> {
    await Promise.allSettled([...this.pendingSsh])
    await Promise.all(this.instances.all().map((i) => this.stopSsh(i)))
    this.config = structuredClone(this.settings.initialConfig)
    const marketVersion = this.market.version
    this.market = new TensorDockMarket(this.seed, this.settings.locationCount, this.clock, this.config.churn)
    // A fresh market is written whole: its version must differ from the one on disk.
    this.market.version = marketVersion + 1
    // UUIDs go on from where they were: an id handed out before the reset is never handed out again.
    this.instances = new TdInstanceStore(this.seed, this.clock, this.instances.idState())
    this.limiter.reset()
    this.faults.clear()
    this.log.clear()
    this.state?.changed()
  }

  async close(): Promise<void> {
    this.closed = true
    this.held.releaseAll()
    await Promise.allSettled([...this.pendingSsh])
    await Promise.all(this.instances.all().map((i) => this.stopSsh(i)))
    this.state?.flush()
  }
}
