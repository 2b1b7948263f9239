import {randomBytes} from 'node:crypto'

import type {Clock} from '../../core/clock.js'
import {FaultInjector, HeldResponses} from '../shared/faults.js'
import {reportedGpus} from '../shared/machine.js'
import {MinIntervalLimiter} from '../shared/rate-limit.js'
import {RequestLog} from '../shared/request-log.js'
import {startSshEndpoint} from '../shared/ssh-endpoint.js'
import {Account} from './account.js'
import type {VastSimConfig} from './config.js'
import {SIM_SSH_HOST} from './instance-view.js'
import {InstanceStore, type SimInstance} from './instances.js'
import {Market} from './market.js'

export interface VastSimSettings {
  seed: number
  offerCount: number
  clock: Clock
  /** When set only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string | undefined
  /** The config `reset` returns to: defaults plus the start options. */
  initialConfig: VastSimConfig
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
  private pendingSsh = new Set<Promise<unknown>>()
  private closed = false

  constructor(private readonly settings: VastSimSettings) {
    this.clock = settings.clock
    this.seed = settings.seed
    this.apiKey = settings.apiKey
    this.faults = new FaultInjector(settings.seed)
    this.config = structuredClone(settings.initialConfig)
    this.market = new Market(settings.seed, settings.offerCount, settings.clock, this.config.churn)
    this.instances = new InstanceStore(settings.seed, settings.clock)
    this.account = new Account(settings.clock, this.config.initialCredit)
    this.limiter = new MinIntervalLimiter(settings.clock, this.config.rateLimit.intervals)
  }

  isAcceptedKey(key: string | null): boolean {
    if (!key) return false
    return this.apiKey === undefined ? true : key === this.apiKey
  }

  /** Gives the instance its own sshd on loopback. Started at create; logins work once it runs. */
  async startSsh(instance: SimInstance): Promise<void> {
    if (this.closed) return
    const starting = startSshEndpoint({
      host: SIM_SSH_HOST,
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
    this.market = new Market(this.seed, this.settings.offerCount, this.clock, this.config.churn)
    this.instances = new InstanceStore(this.seed, this.clock)
    this.account.reset(this.config.initialCredit)
    this.limiter.intervals = this.config.rateLimit.intervals
    this.limiter.reset()
    this.faults.clear()
    this.log.clear()
  }

  async close(): Promise<void> {
    this.closed = true
    this.held.releaseAll()
    await Promise.allSettled([...this.pendingSsh])
    await Promise.all(this.instances.all().map((i) => this.stopSsh(i)))
  }
}
