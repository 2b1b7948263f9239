import {randomBytes} from 'node:crypto'

import type {Clock} from '../../core/clock.js'
import {FaultInjector, HeldResponses} from '../shared/faults.js'
import {reportedGpus} from '../shared/machine.js'
import {MinIntervalLimiter} from '../shared/rate-limit.js'
import {RequestLog} from '../shared/request-log.js'
import {startSshEndpoint} from '../shared/ssh-endpoint.js'
import {SimStateFiles} from '../shared/state-files.js'
import {Account, type AccountJson} from './account.js'
import type {VastSimConfig} from './config.js'
import {SIM_SSH_HOST} from './instance-view.js'
import {InstanceStore, type InstanceStoreJson, type SimInstance} from './instances.js'
import {Market, type MarketJson} from './market.js'

export interface VastSimSettings {
  seed: number
  offerCount: number
  clock: Clock
  /** When set only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string | undefined
  /** The config `reset` returns to: defaults plus the start options. */
  initialConfig: VastSimConfig
  /** Keep the state here across restarts (`vastai.json`, `vastai-market.json`); in memory only when unset. */
  stateDir?: string | undefined
}

/** What `vastai.json` holds; the market is in its own file. */
interface VastSimJson {
  seed: number
  config: VastSimConfig
  instances: InstanceStoreJson
  account: AccountJson
}

/** Everything one simulated Vast.ai account and marketplace holds. */
export class VastSim {
  readonly clock: Clock
  readonly seed: number
  readonly apiKey: string | undefined
  readonly faults: FaultInjector
  readonly log = new RequestLog()
  readonly held = new HeldResponses()
  /** Signs v1 list page tokens; fresh per run so old tokens are refused. */
  readonly tokenSecret = randomBytes(16).toString('hex')
  config: VastSimConfig
  market: Market
  instances: InstanceStore
  account: Account
  readonly limiter: MinIntervalLimiter
  readonly state: SimStateFiles | null
  private pendingSsh = new Set<Promise<unknown>>()
  private closed = false

  constructor(private readonly settings: VastSimSettings) {
    this.clock = settings.clock
    this.seed = settings.seed
    this.apiKey = settings.apiKey
    this.faults = new FaultInjector(settings.seed)
    this.config = structuredClone(settings.initialConfig)
    this.state =
      settings.stateDir === undefined
        ? null
        : new SimStateFiles(settings.stateDir, 'vastai', {state: () => this.toJSON(), market: () => this.market.toJSON(), marketVersion: () => this.market.version})
    const saved = this.state?.read() ?? {state: null, market: null}
    const savedState = saved.state as VastSimJson | null
    const savedMarket = saved.market as MarketJson | null
    if (savedState) this.config = {...this.config, ...savedState.config}
    const reuseMarket = savedMarket !== null && Market.matches(savedMarket, settings.seed, settings.offerCount)
    this.market = new Market(settings.seed, settings.offerCount, settings.clock, this.config.churn, reuseMarket ? savedMarket : undefined)
    if (reuseMarket) this.state?.marketRestored(this.market.version)
    this.instances = savedState ? InstanceStore.fromJSON(settings.seed, settings.clock, savedState.instances) : new InstanceStore(settings.seed, settings.clock)
    this.account = new Account(settings.clock, this.config.initialCredit)
    if (savedState) this.account.restore(savedState.account)
    this.limiter = new MinIntervalLimiter(settings.clock, this.config.rateLimit.intervals)
  }

  toJSON(): VastSimJson {
    return {seed: this.seed, config: this.config, instances: this.instances.toJSON(), account: this.account.toJSON()}
  }

  /** After a restart: every live instance's sshd comes back, with its own host key, on its old port when free. */
  async resumeMachines(): Promise<void> {
    await Promise.all(this.instances.live().map((i) => this.startSsh(i)))
  }

  /** Called after every request; the state files write what changed. */
  afterRequest(method: string): void {
    this.state?.afterRequest(method)
  }

  isAcceptedKey(key: string | null): boolean {
    if (!key) return false
    return this.apiKey === undefined ? true : key === this.apiKey
  }

  /** Gives the instance its own sshd on loopback. Started at create; logins work once it runs. */
  async startSsh(instance: SimInstance): Promise<void> {
    if (this.closed) return
    // Whatever the shell or SFTP writes to the disk is state to keep.
    instance.machine.fs.onChange = () => this.state?.changed()
    const starting = startSshEndpoint({
      host: SIM_SSH_HOST,
      port: instance.machine.sshPort ?? 0,
      hostKey: instance.machine.hostKey.privateKey,
      username: 'root',
      authorizedKeys: () => this.instances.authorizedKeys(instance),
      shell: {
        hostname: instance.hostname,
        gpuLoad: () => instance.gpuLoad,
        gpus: () => reportedGpus(instance.machine),
        now: () => this.clock.now(),
        fs: instance.machine.fs,
        // A container sees its disk as an overlay, and the host's memory and cores.
        hardware: {diskGb: instance.disk, rootDevice: 'overlay', memoryMiB: instance.offer.cpu_ram, cpus: Math.max(1, Math.round(instance.offer.cpu_cores_effective))},
      },
    })
    this.pendingSsh.add(starting)
    try {
      const endpoint = await starting
      instance.ssh = endpoint
      instance.machine.sshPort = endpoint.port
      this.state?.changed()
      // Destroyed (or the simulator closed) while the endpoint was starting.
      if (instance.destroyedAt !== null || this.closed || !this.instances.all().includes(instance)) await this.stopSsh(instance)
    } finally {
      this.pendingSsh.delete(starting)
    }
  }

  async stopSsh(instance: SimInstance): Promise<void> {
    const endpoint = instance.ssh
    if (!endpoint) return
    await endpoint.close()
  }

  /** Back to the state right after start: same seed, same market, no instances, default config. */
  async reset(): Promise<void> {
    await Promise.allSettled([...this.pendingSsh])
    await Promise.all(this.instances.all().map((i) => this.stopSsh(i)))
    this.config = structuredClone(this.settings.initialConfig)
    const marketVersion = this.market.version
    this.market = new Market(this.seed, this.settings.offerCount, this.clock, this.config.churn)
    // A fresh market is written whole: its version must differ from the one on disk.
    this.market.version = marketVersion + 1
    // Ids go on from where they were: an id handed out before the reset is never handed out again.
    this.instances = new InstanceStore(this.seed, this.clock, this.instances.sequence())
    this.account.reset(this.config.initialCredit)
    this.limiter.intervals = this.config.rateLimit.intervals
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
