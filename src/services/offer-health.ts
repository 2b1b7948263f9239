import {healthOf, outcomesOfOffer, rankByHealth, type HealthStats, type ProvisionOutcome, type ProvisionOutcomeKind} from '../core/offer-health.js'
import type {Offer} from '../core/offer.js'
import type {SpecFilter} from '../store/offers-repo.js'
import type {StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {offerVisibility} from './tenancy.js'

/** How the session's provisioning ended, against its offer and machine (the first record stands). */
export async function recordProvisionOutcome(ctx: ServiceContext, session: StoredSession, kind: ProvisionOutcomeKind, detail: string | null): Promise<void> {
  await ctx.store.outcomes.record({
    sessionId: session.id,
    provider: session.provider,
    offerId: session.offerId,
    // An offer gone before anything ran says nothing of its machine.
    hostId: kind === 'stale' ? null : (session.hostId ?? null),
    kind,
    detail: detail === null ? null : detail.slice(0, 500),
    at: ctx.clock.now(),
  })
}

/**
 * How long a page's health is remembered when nothing was recorded in this process since: the
 * outcomes another process records (several servers on PostgreSQL) show within this, and a
 * confidence that halves in a day does not move in it.
 */
export const PAGE_HEALTH_MEMO_MS = 10_000

const pageHealth = new WeakMap<readonly Offer[], {writes: number; at: number; health: ReadonlyMap<string, HealthStats>}>()

/**
 * `healthOfOffers` for a page of the inventory. A page the store remembers (a frozen array,
 * asked for again and again by dashboards and scripts) keeps its health until an outcome is
 * recorded here or PAGE_HEALTH_MEMO_MS pass: asking the outcomes on every request cut the
 * filtered inventory's throughput by three quarters.
 */
export async function healthOfPage(ctx: ServiceContext, offers: readonly Offer[]): Promise<ReadonlyMap<string, HealthStats>> {
  if (!Object.isFrozen(offers)) return healthOfOffers(ctx, offers)
  const now = ctx.clock.now()
  const writes = ctx.store.outcomes.writes
  const known = pageHealth.get(offers)
  if (known && known.writes === writes && now >= known.at && now - known.at < PAGE_HEALTH_MEMO_MS) return known.health
  const health = await healthOfOffers(ctx, offers)
  pageHealth.set(offers, {writes, at: now, health})
  return health
}

/**
 * The health of those of the offers given that have a provisioning history (their own or their
 * machine's); an offer missing from the map is untried (UNTRIED_CONFIDENCE).
 */
export async function healthOfOffers(ctx: ServiceContext, offers: readonly Pick<Offer, 'id' | 'hostId'>[]): Promise<Map<string, HealthStats>> {
  const now = ctx.clock.now()
  const outcomes = await ctx.store.outcomes.ofOffers(offers, now)
  const health = new Map<string, HealthStats>()
  if (outcomes.length === 0) return health
  for (const offer of offers) {
    const own = outcomesOfOffer(offer, outcomes)
    if (own.length > 0) health.set(offer.id, healthOf(own, now))
  }
  return health
}

/** How many of the cheapest matching offers are weighed by health before the best is picked. */
const CANDIDATES = 25

/**
 * The best offer for a spec (or a retry's comparable filter): the cheapest few that match, less
 * hosts cooling down, ranked by expected price per working box (core/offer-health.ts).
 */
export async function bestHealthyOffer(ctx: ServiceContext, filter: SpecFilter): Promise<Offer | null> {
  const excludeHostIds = [...(filter.excludeHostIds ?? []), ...(await hostsCoolingDown(ctx))]
  const candidates = await ctx.store.offers.matchingSpec({...filter, excludeHostIds, limit: CANDIDATES})
  if (candidates.length === 0) return null
  const health = await healthOfOffers(ctx, candidates)
  return rankByHealth(candidates, (offer) => health.get(offer.id) ?? null)[0] ?? null
}

export interface HostHealthReport {
  hostId: string | null
  provider: string
  health: HealthStats
  /** Offers the outcomes were on, most recent first. */
  offerIds: string[]
  lastFailure: {kind: ProvisionOutcomeKind; at: number} | null
}

/**
 * Recent outcomes grouped by machine (an outcome on a provider that names none is grouped by
 * its offer), worst confidence first.
 */
export async function hostHealthReport(ctx: ServiceContext, filter: {provider?: string; hostId?: string; offerId?: string}): Promise<HostHealthReport[]> {
  const now = ctx.clock.now()
  const groups = new Map<string, ProvisionOutcome[]>()
  for (const outcome of await ctx.store.outcomes.recent(now, filter)) {
    const key = outcome.hostId ?? `offer:${outcome.offerId}`
    groups.set(key, [...(groups.get(key) ?? []), outcome])
  }
  return [...groups.values()]
    .map((outcomes) => {
      const failure = outcomes.find((o) => o.kind !== 'running')
      return {
        hostId: outcomes[0]!.hostId,
        provider: outcomes[0]!.provider,
        health: healthOf(outcomes, now),
        offerIds: [...new Set(outcomes.map((o) => o.offerId))],
        lastFailure: failure ? {kind: failure.kind, at: failure.at} : null,
      }
    })
    .sort((a, b) => a.health.confidence - b.health.confidence || (a.hostId ?? '').localeCompare(b.hostId ?? ''))
}

/** Machines skipped by picks by spec and retries right now. */
export async function hostsCoolingDown(ctx: ServiceContext): Promise<string[]> {
  return (await hostHealthReport(ctx, {})).filter((h) => h.hostId !== null && h.health.coolingDownUntil !== null).map((h) => h.hostId!)
}

/**
 * The report as the caller may see it: a marketplace machine's record is everyone's (all learn
 * from a bad host), a self-hosted node's only its tenant's. Outcomes never name sessions.
 */
export async function visibleHostHealth(ctx: ServiceContext, filter: {provider?: string; hostId?: string; offerId?: string}): Promise<HostHealthReport[]> {
  const report = await hostHealthReport(ctx, filter)
  const tenant = offerVisibility(ctx)
  if (tenant === undefined) return report
  const ownNodes = new Set((await ctx.store.nodes.list(tenant)).map((n) => `selfhosted:${n.name}`))
  return report.filter((h) => h.provider !== 'selfhosted' || (h.hostId !== null && ownNodes.has(h.hostId)))
}
