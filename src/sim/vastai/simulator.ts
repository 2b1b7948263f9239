import {randomBytes} from 'node:crypto'

import type {Clock} from '../../core/clock.js'
import {acceptsCredential} from '../shared/credential.js'
import {FaultInjector, HeldResponses} from '../shared/faults.js'
import {InstanceServers} from '../shared/instance-servers.js'
import {MinIntervalLimiter} from '../shared/rate-limit.js'
import {RequestLog} from '../shared/request-log.js'
import {SimStateFiles} from '../shared/state-files.js'
import {Account, type AccountJson} from './account.js'
import type {VastSimConfig} from './config.js'
import {SIM_SSH_HOST} from './instance-view.js'
import {InstanceStore, isPoweredOn, portsToPublish, type InstanceStoreJson, type SimInstance} from './instances.js'
import {DEFAULT_TIMINGS} from './lifecycle.js'
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
  readonly servers: InstanceServers<SimInstance>

  constructor(private readonly settings: VastSimSettings) {
    this.clock = settings.clock
    this.seed = settings.seed
    this.apiKey = settings.apiKey
    this.faults = new FaultInjector(settings.seed)
    this.state = SimStateFiles.open(settings.stateDir, 'vastai', this)
    const saved = this.state?.read<VastSimJson, MarketJson>((m) => Market.matches(m, settings.seed, settings.offerCount))
    this.config = {...structuredClone(settings.initialConfig), ...saved?.state?.config}
    // A state file from before a timing existed gets its default.
    this.config.timings = {...DEFAULT_TIMINGS, ...this.config.timings}
    this.config.brokenMachines ??= {}
    this.market = new Market(settings.seed, settings.offerCount, settings.clock, this.config.churn, saved?.market ?? undefined)
    if (saved?.market) this.state?.marketRestored()
    this.instances = saved?.state ? InstanceStore.fromJSON(settings.seed, settings.clock, saved.state.instances) : new InstanceStore(settings.seed, settings.clock)
    this.account = new Account(settings.clock, this.config.initialCredit)
    if (saved?.state) this.account.restore(saved.state.account)
    this.limiter = new MinIntervalLimiter(settings.clock, this.config.rateLimit.intervals)
    this.servers = new InstanceServers({
      host: SIM_SSH_HOST,
      usernames: ['root'],
      clock: settings.clock,
      // A broken machine's sshd takes no key at all.
      authorizedKeys: (instance) => (this.config.brokenMachines[String(instance.offer.machine_id)] === 'no_ssh' ? [] : this.instances.authorizedKeys(instance)),
      // A container sees its disk as an overlay, and the host's memory and cores.
      hardware: (instance) => ({diskGb: instance.disk, rootDevice: 'overlay', memoryMiB: instance.offer.cpu_ram, cpus: Math.max(1, Math.round(instance.offer.cpu_cores_effective))}),
      isGone: (instance) => instance.destroyedAt !== null || !this.instances.all().includes(instance),
      image: (instance) => instance.image,
      isPoweredOn,
      isUp: (instance) => instance.destroyedAt === null && this.instances.status(instance).actual_status === 'running',
      portsToPublish,
      portPublished: (instance, port, hostPort) => {
        instance.mappedPorts[port.key] = String(hostPort)
      },
      modelLoadMs: () => this.config.timings.modelLoadMs,
      changed: () => this.state?.changed(),
    })
  }

  toJSON(): VastSimJson {
    return {seed: this.seed, config: this.config, instances: this.instances.toJSON(), account: this.account.toJSON()}
  }

  isAcceptedKey(key: string | null): boolean {
    return acceptsCredential(key, this.apiKey)
  }

  /**
   * The market, instances, account and config back to right after start, for `/_sim/reset` (which also stops
   * every instance's servers and clears faults and the request log).
   */
  reset(): void {
    this.config = structuredClone(this.settings.initialConfig)
    this.market = new Market(this.seed, this.settings.offerCount, this.clock, this.config.churn)
    this.state?.marketReplaced()
    // Ids go on from where they were: an id handed out before the reset is never handed out again.
    this.instances = new InstanceStore(this.seed, this.clock, this.instances.sequence())
    this.account.reset(this.config.initialCredit)
    this.limiter.intervals = this.config.rateLimit.intervals
    this.limiter.reset()
  }
}
