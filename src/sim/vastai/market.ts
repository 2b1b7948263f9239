import type {Clock} from '../../core/clock.js'
import {deriveSeed, mulberry32, pickOne, pickWeighted, randomFloat, randomInt, roundTo, type Random, type SeededRandom} from '../shared/prng.js'
import {GPU_CATALOG, type GpuModel} from './gpu-catalog.js'
import {COUNTRIES} from './locations.js'
import {DEFAULT_ALLOCATED_STORAGE_GB, priceOffer, priceOfferInPlace, storageDph, type VastOffer} from './offer.js'
import type {MarketChurn} from '../shared/market-churn.js'

const DRIVERS: readonly (readonly [string, number])[] = [
  ['535.183.01', 12.2],
  ['550.127.05', 12.4],
  ['560.35.03', 12.6],
  ['570.124.04', 12.8],
  ['575.57.08', 12.9],
  ['580.95.05', 13.0],
]

const CONSUMER_CPUS: readonly (readonly [string, number])[] = [
  ['AMD Ryzen 9 7950X 16-Core Processor', 32],
  ['AMD Ryzen 9 5950X 16-Core Processor', 32],
  ['13th Gen Intel(R) Core(TM) i9-13900K', 32],
  ['AMD Ryzen Threadripper PRO 5975WX 32-Cores', 64],
  ['Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz', 56],
  ['AMD Ryzen 7 5800X 8-Core Processor', 16],
]

const DATACENTER_CPUS: readonly (readonly [string, number])[] = [
  ['AMD EPYC 7543 32-Core Processor', 128],
  ['AMD EPYC 9654 96-Core Processor', 384],
  ['Intel(R) Xeon(R) Platinum 8480+', 224],
  ['AMD EPYC 7V13 64-Core Processor', 256],
  ['Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz', 128],
]

const MOBOS = ['ROMED8-2T', 'Pro WS WRX80E-SAGE SE WIFI', 'H12DSG-O-CPU', 'X13DEG-OAD', 'ROG STRIX Z790-E GAMING WIFI', 'X570 AORUS MASTER', 'G593-SD0']
const DISKS = ['Samsung SSD 990 PRO 2TB', 'SAMSUNG MZQL27T6HBLA-00A07', 'WD_BLACK SN850X 4000GB', 'INTEL SSDPF2KX076TZ', 'KINGSTON SNV2S2000G']

/** A few per cent of offers vanish and new ones appear between refreshes, as on the real market. */
export const DEFAULT_CHURN: MarketChurn = {intervalMs: 60_000, fraction: 0.03}

/**
 * Markets up to this size are written to the state file offer by offer; a larger one (100k
 * offers is ~200 MB of JSON) keeps only what cannot be generated again from its seed: which
 * offers were rented, the id counters and the churn epoch.
 */
export const FULL_MARKET_SNAPSHOT_MAX = 20_000

/** The market as a state file holds it. */
export interface MarketJson {
  seed: number
  offerCount: number
  startedAt: number
  epoch: number
  churn: MarketChurn
  nextOfferId: number
  nextMachineId: number
  rngState: number
  /** Every offer, when the market is small enough (FULL_MARKET_SNAPSHOT_MAX). */
  offers?: VastOffer[]
  /** Otherwise the ids of the rented ones, laid over the market generated again from the seed. */
  rented?: number[]
}

/** The simulated marketplace's asks, deterministic from the seed and the clock. */
export class Market {
  private offers = new Map<number, VastOffer>()
  private rng: SeededRandom
  private nextOfferId: number
  private nextMachineId: number
  private epoch = 0
  private readonly startedAt: number
  /** Moves on every change, so the state file is rewritten only when the market changed. */
  version = 0
  churn: MarketChurn

  constructor(
    private readonly seed: number,
    private readonly offerCount: number,
    private clock: Clock,
    churn: MarketChurn = DEFAULT_CHURN,
    saved?: MarketJson,
  ) {
    this.rng = mulberry32(deriveSeed(seed, 'market'))
    this.nextOfferId = 30_400_000 + randomInt(this.rng, 0, 99_999)
    this.nextMachineId = 10_000 + randomInt(this.rng, 0, 9_999)
    this.startedAt = saved?.startedAt ?? clock.now()
    this.churn = {...churn}
    if (!saved) {
      this.generate(offerCount)
      return
    }
    if (saved.offers) {
      for (const offer of saved.offers) this.offers.set(offer.id, offer)
    } else {
      // The same offers as on the first start: generated at that start's time.
      const clockNow = this.clock
      this.clock = {now: () => saved.startedAt}
      this.generate(offerCount)
      this.clock = clockNow
      for (const id of saved.rented ?? []) this.consume(id)
    }
    this.rng = mulberry32(saved.rngState)
    this.nextOfferId = saved.nextOfferId
    this.nextMachineId = saved.nextMachineId
    this.epoch = saved.epoch
    this.churn = {...saved.churn}
  }

  /** Whether a state file's market is this market's (same seed and size); otherwise a new one is generated. */
  static matches(saved: MarketJson, seed: number, offerCount: number): boolean {
    return saved.seed === seed && saved.offerCount === offerCount
  }

  toJSON(): MarketJson {
    const offers = [...this.offers.values()]
    const base = {
      seed: this.seed,
      offerCount: this.offerCount,
      startedAt: this.startedAt,
      epoch: this.epoch,
      churn: this.churn,
      nextOfferId: this.nextOfferId,
      nextMachineId: this.nextMachineId,
      rngState: this.rng.state(),
    }
    if (offers.length <= FULL_MARKET_SNAPSHOT_MAX) return {...base, offers}
    return {...base, rented: offers.filter((o) => o.rented === true).map((o) => o.id)}
  }

  /** Every offer on the market now, rented ones included. */
  all(): VastOffer[] {
    this.applyChurn()
    return [...this.offers.values()]
  }

  get(id: number): VastOffer | undefined {
    this.applyChurn()
    return this.offers.get(id)
  }

  /** Marks an offer taken: a Vast ask id creates one instance only. */
  consume(id: number): void {
    const offer = this.offers.get(id)
    if (offer) this.offers.set(id, {...offer, rented: true})
    this.version++
  }

  remove(id: number): boolean {
    this.version++
    return this.offers.delete(id)
  }

  /** Replaces (or extends) the market with offers in Vast's JSON; churn stops so tests see exactly what they posted. */
  load(partials: readonly Record<string, unknown>[], mode: 'replace' | 'append'): VastOffer[] {
    if (mode === 'replace') this.offers.clear()
    this.churn = {...this.churn, intervalMs: 0}
    const added: VastOffer[] = []
    for (const partial of partials) {
      const offer = this.completeOffer(partial)
      this.offers.set(offer.id, offer)
      added.push(offer)
    }
    return added
  }

  /** A generated offer with the given fields laid over it, kept internally consistent. */
  completeOffer(partial: Record<string, unknown>): VastOffer {
    // Draws from the market's generator and id counter: the state file must follow.
    this.version++
    const model = GPU_CATALOG.find((m) => m.gpuName === partial.gpu_name && (partial.gpu_ram === undefined || m.gpuRamMiB === partial.gpu_ram))
    const base = this.makeOffers(1, model)[0] as VastOffer
    const offer: VastOffer = {...base, ...partial} as VastOffer
    if (partial.id === undefined) offer.id = base.id
    else offer.id = Number(partial.id)
    if (partial.ask_contract_id === undefined) offer.ask_contract_id = offer.id
    if (partial.gpu_name !== undefined && !model && partial.gpu_ram === undefined) offer.gpu_ram = base.gpu_ram
    if (partial.gpu_total_ram === undefined) offer.gpu_total_ram = offer.gpu_ram * offer.num_gpus
    if (partial.verified !== undefined && partial.verification === undefined) offer.verification = offer.verified ? 'verified' : 'unverified'
    if (partial.verification !== undefined && partial.verified === undefined) offer.verified = offer.verification === 'verified'
    if (partial.dph_base !== undefined && partial.min_bid === undefined) offer.min_bid = roundTo(offer.dph_base * 0.6, 4)
    if (partial.dph_total === undefined || partial.dph_base !== undefined) {
      offer.dph_total = offer.dph_base + storageDph(offer.storage_cost, DEFAULT_ALLOCATED_STORAGE_GB)
    }
    if (partial.end_date === undefined && partial.duration !== undefined) offer.end_date = this.clock.now() / 1000 + Number(partial.duration)
    return priceOffer(offer, DEFAULT_ALLOCATED_STORAGE_GB, 'on-demand', this.clock.now())
  }

  private generate(count: number): void {
    for (const offer of this.makeOffers(count)) this.offers.set(offer.id, offer)
  }

  /** Lazily replays the churn steps the clock has passed, so a ManualClock drives it without timers. */
  private applyChurn(): void {
    const {intervalMs, fraction} = this.churn
    if (intervalMs <= 0 || fraction <= 0) return
    const target = Math.floor((this.clock.now() - this.startedAt) / intervalMs)
    // After this many steps the market has turned over anyway; do not spin on a huge clock jump.
    const steps = Math.min(target - this.epoch, 50)
    for (let i = 0; i < steps; i++) {
      const rng = mulberry32(deriveSeed(this.seed, `churn:${this.epoch + i + 1}`))
      const ids = [...this.offers.values()].filter((o) => o.rented !== true).map((o) => o.id)
      const drop = Math.round(ids.length * fraction)
      for (let k = 0; k < drop && ids.length > 0; k++) {
        const index = Math.floor(rng() * ids.length)
        const [id] = ids.splice(index, 1)
        if (id !== undefined) this.offers.delete(id)
      }
      this.generate(drop)
    }
    if (target > this.epoch) {
      this.epoch = target
      this.version++
    }
  }

  private makeOffers(count: number, only?: GpuModel): VastOffer[] {
    const out: VastOffer[] = []
    const rng = this.rng
    while (out.length < count) {
      const model = only ?? pickWeighted(rng, GPU_CATALOG.map((m) => [m, m.weight] as const))
      const machineGpus = model.datacenter
        ? pickWeighted(rng, [[1, 35], [2, 15], [4, 20], [8, 30]] as const)
        : pickWeighted(rng, [[1, 60], [2, 18], [4, 14], [8, 0]] as const)
      const machine = this.makeMachine(rng, model, machineGpus)
      const sizes = [machineGpus]
      // Multi-GPU hosts often also list a single-GPU slice of the same machine.
      if (machineGpus > 1 && rng() < 0.4) sizes.push(1)
      if (machineGpus === 8 && rng() < 0.3) sizes.push(4)
      for (const numGpus of sizes) {
        if (out.length >= count) break
        out.push(this.makeOffer(rng, model, machine, numGpus))
      }
    }
    return out
  }

  private makeMachine(rng: Random, model: GpuModel, machineGpus: number): Machine {
    const country = pickWeighted(rng, COUNTRIES.map((c) => [c, c.weight] as const))
    const region = pickOne(rng, country.regions)
    const style = rng()
    const geolocation =
      style < 0.8 ? `${region}, ${country.code}` : style < 0.9 ? `${region}, ${country.name}` : style < 0.96 ? country.code : `, ${country.code}`
    const reliabilityRoll = rng()
    const reliability =
      reliabilityRoll < 0.85 ? randomFloat(rng, 0.9, 0.999) : reliabilityRoll < 0.95 ? randomFloat(rng, 0.8, 0.9) : randomFloat(rng, 0.6, 0.8)
    const verificationRoll = rng()
    const verification =
      reliability < 0.8
        ? verificationRoll < 0.4 ? 'verified' : verificationRoll < 0.85 ? 'unverified' : 'deverified'
        : verificationRoll < 0.8 ? 'verified' : verificationRoll < 0.96 ? 'unverified' : 'deverified'
    const drivers = model.computeCap >= 1000 ? DRIVERS.filter(([, cuda]) => cuda >= 12.8) : DRIVERS
    const [driverVersion, cuda] = pickOne(rng, drivers)
    const cpus = model.cpuArch === 'arm64' ? [['NVIDIA Grace Neoverse-V2', 72] as const] : model.datacenter ? DATACENTER_CPUS : CONSUMER_CPUS
    const [cpuName, cpuCores] = pickOne(rng, cpus)
    const ramGb = model.datacenter ? pickOne(rng, [256, 512, 1024, 2048]) : pickOne(rng, [32, 64, 128, 256])
    const pciGen = model.datacenter ? pickOne(rng, [4, 4, 5]) : pickOne(rng, [3, 4, 4, 5])
    const isSxm = /SXM|H200|B200|GH200/.test(model.gpuName)
    return {
      machineId: this.nextMachineId++,
      hostId: randomInt(rng, 1_000, 320_000),
      machineGpus,
      geolocation,
      geolocode: COUNTRIES.indexOf(country) * 1000 + country.regions.indexOf(region),
      reliability: roundTo(reliability, 4),
      verification,
      driverVersion,
      cuda,
      cpuName,
      cpuCores: rng() < 0.03 ? null : cpuCores,
      cpuGhz: roundTo(randomFloat(rng, 2.0, 5.2), 1),
      cpuRamMb: ramGb * 1024 - randomInt(rng, 200, 1800),
      pciGen,
      pcieBw: roundTo((pciGen === 3 ? 12 : pciGen === 4 ? 24 : 48) * randomFloat(rng, 0.55, 1.0), 1),
      bwNvlink: isSxm ? roundTo(randomFloat(rng, 350, 900), 1) : 0,
      diskSpace: roundTo(randomFloat(rng, 60, model.datacenter ? 8000 : 2000), 1),
      diskBw: roundTo(randomFloat(rng, 400, 7000), 1),
      diskName: pickOne(rng, DISKS),
      inetDown: roundTo(randomFloat(rng, 80, model.datacenter ? 10_000 : 2500), 1),
      inetUp: roundTo(randomFloat(rng, 40, model.datacenter ? 10_000 : 1500), 1),
      inetCost: rng() < 0.2 ? 0 : roundTo(randomFloat(rng, 0.001, 0.02), 4),
      storageCost: roundTo(randomFloat(rng, 0.05, 0.3), 6),
      perGpuPrice: perGpuPrice(rng, model),
      staticIp: rng() < 0.4,
      directPorts: rng() < 0.1 ? 0 : pickOne(rng, [10, 20, 50, 100, 200, 500, 1000]),
      publicIp: `${pickOne(rng, ['192.0.2', '198.51.100', '203.0.113'])}.${randomInt(rng, 1, 254)}`,
      durationS: randomFloat(rng, 1, 180) * 86_400,
      ageS: randomFloat(rng, 0.1, 90) * 86_400,
      mobo: pickOne(rng, MOBOS),
      datacenter: model.datacenter && rng() < 0.8,
      creditDiscount: model.datacenter ? roundTo(randomFloat(rng, 0, 0.4), 2) : 0,
    }
  }

  private makeOffer(rng: Random, model: GpuModel, m: Machine, numGpus: number): VastOffer {
    const id = this.nextOfferId
    this.nextOfferId += randomInt(rng, 1, 400)
    const nowS = this.clock.now() / 1000
    const frac = numGpus / m.machineGpus
    const dphBase = roundTo(m.perGpuPrice * numGpus, 4)
    const dlperf = roundTo(model.tflops * numGpus * 0.33 * randomFloat(rng, 0.85, 1.1), 4)
    const totalFlops = roundTo(model.tflops * numGpus, 2)
    const rentedRoll = rng()
    const offer = {
      id,
      ask_contract_id: id,
      bundle_id: id + 1_000_000_000,
      bundled_results: null,
      machine_id: m.machineId,
      host_id: m.hostId,
      hosting_type: m.datacenter ? 1 : 0,
      datacenter: m.datacenter,
      external: false,
      gpu_name: model.gpuName,
      gpu_arch: 'nvidia',
      num_gpus: numGpus,
      gpu_ram: model.gpuRamMiB,
      gpu_total_ram: model.gpuRamMiB * numGpus,
      gpu_frac: frac,
      gpu_max_power: model.maxPowerW,
      gpu_max_temp: randomInt(rng, 83, 92),
      gpu_mem_bw: roundTo(model.memBandwidthGBs * randomFloat(rng, 0.85, 0.98), 1),
      gpu_lanes: rng() < 0.8 ? 16 : 8,
      gpu_display_active: !model.datacenter && rng() < 0.1,
      bw_nvlink: m.bwNvlink,
      pci_gen: m.pciGen,
      pcie_bw: m.pcieBw,
      compute_cap: model.computeCap,
      cuda_max_good: m.cuda,
      driver_version: m.driverVersion,
      driver_vers: driverVers(m.driverVersion),
      cpu_name: m.cpuName,
      cpu_arch: model.cpuArch ?? 'amd64',
      cpu_cores: m.cpuCores,
      cpu_cores_effective: roundTo((m.cpuCores ?? 16) * frac, 1),
      cpu_ghz: m.cpuGhz,
      cpu_ram: m.cpuRamMb,
      has_avx: model.cpuArch !== 'arm64',
      mobo_name: m.mobo,
      os_version: rng() < 0.8 ? '22.04' : '24.04',
      disk_space: roundTo(m.diskSpace * frac, 1),
      disk_bw: m.diskBw,
      disk_name: m.diskName,
      inet_up: m.inetUp,
      inet_down: m.inetDown,
      inet_up_cost: m.inetCost,
      inet_down_cost: m.inetCost,
      dph_base: dphBase,
      dph_total: 0,
      storage_cost: m.storageCost,
      storage_total_cost: 0,
      min_bid: roundTo(dphBase * randomFloat(rng, 0.35, 0.8), 4),
      credit_discount_max: m.creditDiscount,
      reliability: m.reliability,
      reliability2: roundTo(Math.min(0.9999, Math.max(0.5, m.reliability + randomFloat(rng, -0.006, 0.006))), 7),
      score: 0,
      dlperf,
      dlperf_per_dphtotal: 0,
      total_flops: totalFlops,
      flops_per_dphtotal: 0,
      geolocation: m.geolocation,
      geolocode: m.geolocode,
      direct_port_count: m.directPorts,
      verification: m.verification,
      verified: m.verification === 'verified',
      rentable: rng() < 0.97,
      rented: rentedRoll < 0.08 ? true : rentedRoll < 0.12 ? null : false,
      static_ip: m.staticIp,
      public_ipaddr: m.publicIp,
      duration: m.durationS,
      start_date: roundTo(nowS - m.ageS, 3),
      end_date: roundTo(nowS + m.durationS, 3),
      is_bid: false,
      vms_enabled: m.datacenter && rng() < 0.2,
      resource_type: 'gpu',
      cluster_id: null,
    } as Omit<VastOffer, 'search' | 'instance'> as VastOffer
    const priced = priceOfferInPlace(offer, DEFAULT_ALLOCATED_STORAGE_GB, 'on-demand', this.clock.now())
    // Vast's score ranks value for money, discounted by how often the host fails.
    priced.score = roundTo(priced.dlperf_per_dphtotal * m.reliability ** 4, 4)
    return priced
  }
}

interface Machine {
  machineId: number
  hostId: number
  machineGpus: number
  geolocation: string
  geolocode: number
  reliability: number
  verification: string
  driverVersion: string
  cuda: number
  cpuName: string
  cpuCores: number | null
  cpuGhz: number
  cpuRamMb: number
  pciGen: number
  pcieBw: number
  bwNvlink: number
  diskSpace: number
  diskBw: number
  diskName: string
  inetDown: number
  inetUp: number
  inetCost: number
  storageCost: number
  perGpuPrice: number
  staticIp: boolean
  directPorts: number
  publicIp: string
  durationS: number
  ageS: number
  mobo: string
  datacenter: boolean
  creditDiscount: number
}

/** Mostly inside the model's range, skewed to the cheap end, with a long tail above it. */
function perGpuPrice(rng: Random, model: GpuModel): number {
  const [low, high] = model.priceRange
  let price = low + (high - low) * rng() ** 1.3
  if (rng() < 0.07) price = high * randomFloat(rng, 1.1, 2.5)
  return roundTo(price, 4)
}

/** `"570.124.04"` → 570124004, the integer twin Vast sends as `driver_vers`. */
function driverVers(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map((p) => Number.parseInt(p, 10))
  return major * 1_000_000 + minor * 1_000 + patch
}
