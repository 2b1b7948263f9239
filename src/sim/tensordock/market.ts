import type {Clock} from '../../core/clock.js'
import {deriveSeed, mulberry32, pickWeighted, type Random, type SeededRandom} from '../shared/prng.js'
import {TENSORDOCK_GPUS, type TensorDockGpuModel} from './gpu-catalog.js'
import {seededUuid} from './ids.js'
import {completeLocation, makeLocationGpu, makeSiteNetwork, makeSitePricing, type TdLocation, type TdLocationGpu} from './location.js'
import {SITES, type SiteTemplate} from './locations.js'
import type {MarketChurn} from '../shared/market-churn.js'

/** TensorDock's list is small (live: 25 offers), so a step replaces a listing or two, not a slice. */
export const DEFAULT_CHURN: MarketChurn = {intervalMs: 60_000, fraction: 0.05}

export const DEFAULT_LOCATION_COUNT = 32

/** The market as a state file holds it. */
export interface TensorDockMarketJson {
  seed: number
  locationCount: number
  startedAt: number
  epoch: number
  churn: MarketChurn
  rngState: number
  locations: TdLocation[]
}

/**
 * The simulated TensorDock locations and what each offers, deterministic from the seed, and
 * changing with the clock (churn is replayed lazily on read, so a ManualClock drives it).
 */
export class TensorDockMarket {
  private locations: TdLocation[] = []
  private rng: SeededRandom
  private epoch = 0
  private readonly startedAt: number
  /** Moves on every change, so the state file is rewritten only when the market changed. */
  version = 0
  churn: MarketChurn

  constructor(
    private readonly seed: number,
    private readonly locationCount: number,
    private readonly clock: Clock,
    churn: MarketChurn = DEFAULT_CHURN,
    saved?: TensorDockMarketJson,
  ) {
    this.rng = mulberry32(deriveSeed(seed, 'tensordock-market'))
    this.startedAt = saved?.startedAt ?? clock.now()
    this.churn = {...churn}
    if (!saved) {
      this.generate(locationCount)
      return
    }
    this.locations = saved.locations
    this.rng = mulberry32(saved.rngState)
    this.epoch = saved.epoch
    this.churn = {...saved.churn}
  }

  /** Whether a state file's market is this one's (same seed and size); otherwise a new one is generated. */
  static matches(saved: TensorDockMarketJson, seed: number, locationCount: number): boolean {
    return saved.seed === seed && saved.locationCount === locationCount
  }

  /** The whole market: a few dozen locations, small enough to write on every change. */
  toJSON(): TensorDockMarketJson {
    return {
      seed: this.seed,
      locationCount: this.locationCount,
      startedAt: this.startedAt,
      epoch: this.epoch,
      churn: this.churn,
      rngState: this.rng.state(),
      locations: this.locations,
    }
  }

  all(): TdLocation[] {
    this.applyChurn()
    return this.locations
  }

  location(id: string): TdLocation | undefined {
    return this.all().find((l) => l.id === id)
  }

  gpuAt(locationId: string, v0Name: string): TdLocationGpu | undefined {
    return this.location(locationId)?.gpus.find((g) => g.v0Name === v0Name)
  }

  /** `<location id>` drops the whole location; `<location id>:<v0Name>` drops one GPU there. */
  remove(id: string): boolean {
    const [locationId = '', v0Name] = id.split(':')
    this.version++
    const index = this.locations.findIndex((l) => l.id === locationId)
    const location = this.locations[index]
    if (!location) return false
    if (v0Name === undefined) {
      this.locations.splice(index, 1)
      return true
    }
    const before = location.gpus.length
    location.gpus = location.gpus.filter((g) => g.v0Name !== v0Name)
    return location.gpus.length < before
  }

  /** Replaces (or extends) the market with locations in TensorDock's JSON; churn stops so tests see what they posted. */
  load(partials: readonly Record<string, unknown>[], mode: 'replace' | 'append'): TdLocation[] {
    this.version++
    if (mode === 'replace') this.locations = []
    this.churn = {...this.churn, intervalMs: 0}
    const added = partials.map((p) => completeLocation(this.rng, p))
    for (const location of added) {
      this.locations = this.locations.filter((l) => l.id !== location.id)
      this.locations.push(location)
    }
    return added
  }

  private generate(count: number): void {
    const rng = this.rng
    const pinned = SITES.filter((s) => s.pinned)
    const others = SITES.filter((s) => !s.pinned)
    const chosen: SiteTemplate[] = [...pinned]
    const pool = [...others]
    while (chosen.length < count && pool.length > 0) {
      const [site] = pool.splice(Math.floor(rng() * pool.length), 1)
      if (site) chosen.push(site)
    }
    this.locations = chosen.slice(0, Math.max(count, 0)).map((site) => this.makeLocation(rng, site))
    this.guaranteeQuirks()
  }

  private makeLocation(rng: Random, site: SiteTemplate): TdLocation {
    const pricing = makeSitePricing(rng)
    const network = makeSiteNetwork(rng)
    const tier = pickWeighted(rng, [[1, 15], [2, 30], [3, 40], [4, 15]] as const)
    const modelCount = pickWeighted(rng, [[1, 35], [2, 35], [3, 20], [4, 10]] as const)
    const models = new Set<TensorDockGpuModel>()
    while (models.size < modelCount) models.add(pickWeighted(rng, TENSORDOCK_GPUS.map((m) => [m, m.weight] as const)))
    return {
      id: seededUuid(rng),
      city: site.city,
      stateprovince: site.stateprovince,
      country: site.country,
      tier,
      gpus: [...models].map((m) => makeLocationGpu(rng, m, pricing, network)),
    }
  }

  /**
   * Whatever the seed, the live quirks adapters must survive are on the market: a tier-4
   * location, raw displayNames, and Joplin with an RTX 4090 and a dedicated IP (where creates
   * worked live).
   */
  private guaranteeQuirks(): void {
    const byCity = (city: string) => this.locations.find((l) => l.city === city)
    const texas = byCity('Texas')
    if (texas) texas.tier = 4
    const joplin = byCity('Joplin')
    if (joplin) this.ensureGpu(joplin, 'geforcertx4090-pcie-24gb', {dedicated_ip_available: true, port_forwarding_available: true})
    const chubbuck = byCity('Chubbuck')
    if (chubbuck) this.ensureGpu(chubbuck, 'geforcertx5090-pcie-32gb', {}, true)
    const amsterdam = byCity('Amsterdam')
    if (amsterdam) this.ensureGpu(amsterdam, 'a40-pcie-48gb', {}, true)
    const chicago = byCity('Chicago')
    if (chicago) this.ensureGpu(chicago, 'h100-sxm5-80gb', {dedicated_ip_available: true})
  }

  private ensureGpu(location: TdLocation, v0Name: string, network: Partial<TdLocationGpu['network_features']>, raw?: boolean): void {
    const model = TENSORDOCK_GPUS.find((m) => m.v0Name === v0Name)
    if (!model) return
    let gpu = location.gpus.find((g) => g.v0Name === v0Name)
    if (!gpu) {
      const template = location.gpus[0]
      gpu = makeLocationGpu(this.rng, model, template?.pricing ?? makeSitePricing(this.rng), template?.network_features ?? makeSiteNetwork(this.rng))
      location.gpus.push(gpu)
    }
    Object.assign(gpu.network_features, network)
    if (raw !== undefined) gpu.displayName = raw ? model.v0Name : model.displayName
  }

  /** Replays the churn steps the clock has passed: listings vanish and new ones appear elsewhere. */
  private applyChurn(): void {
    const {intervalMs, fraction} = this.churn
    if (intervalMs <= 0 || fraction <= 0) return
    const target = Math.floor((this.clock.now() - this.startedAt) / intervalMs)
    // After this many steps the market has turned over anyway; do not spin on a huge clock jump.
    const steps = Math.min(target - this.epoch, 50)
    for (let i = 0; i < steps; i++) this.churnStep(mulberry32(deriveSeed(this.seed, `tensordock-churn:${this.epoch + i + 1}`)))
    if (target > this.epoch) {
      this.epoch = target
      this.version++
    }
  }

  private churnStep(rng: Random): void {
    const listings = this.locations.flatMap((l) => l.gpus.map((g) => [l, g] as const))
    const drop = Math.max(1, Math.round(listings.length * this.churn.fraction))
    for (let k = 0; k < drop && listings.length > 0; k++) {
      const [pair] = listings.splice(Math.floor(rng() * listings.length), 1)
      if (pair) pair[0].gpus = pair[0].gpus.filter((g) => g !== pair[1])
    }
    for (let k = 0; k < drop && this.locations.length > 0; k++) {
      const location = this.locations[Math.floor(rng() * this.locations.length)] as TdLocation
      const model = pickWeighted(rng, TENSORDOCK_GPUS.map((m) => [m, m.weight] as const))
      if (location.gpus.some((g) => g.v0Name === model.v0Name)) continue
      const template = location.gpus[0]
      location.gpus.push(makeLocationGpu(rng, model, template?.pricing ?? makeSitePricing(rng), template?.network_features ?? makeSiteNetwork(rng)))
    }
  }
}
