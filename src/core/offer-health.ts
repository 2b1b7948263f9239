/**
 * How likely an offer is to give a working box, learned from how provisioning on it (and on
 * its machine) ended. Each outcome counts with a weight that halves every HALF_LIFE, so a
 * host that was bad last week and good since is trusted again; a prior of PRIOR_WEIGHT tries
 * at PRIOR_RATE stands in for what is not known yet, so one failure lowers an untried offer's
 * confidence a lot and one success raises it a little.
 */
export const HEALTH_HALF_LIFE_MS = 24 * 3_600_000
/** Outcomes older than this weigh under 1/128 and are not read. */
export const HEALTH_WINDOW_MS = 7 * HEALTH_HALF_LIFE_MS
const PRIOR_RATE = 0.9
const PRIOR_WEIGHT = 2

/** A host that failed this many provisionings in a row (none succeeding since) is skipped for a while. */
export const COOL_DOWN_AFTER_FAILURES = 2
export const COOL_DOWN_MS = 3_600_000

/**
 * How a provisioning ended. `running` is the success; the others are failures of the host
 * (it never booted, never let us in, is not what was listed, could not be set up, vanished)
 * except `stale`, which is the offer's alone: it was gone when rented, nothing ran anywhere.
 */
export const PROVISION_OUTCOME_KINDS = ['running', 'boot_failed', 'ssh_timeout', 'listing_mismatch', 'setup_failed', 'vanished', 'stale'] as const
export type ProvisionOutcomeKind = (typeof PROVISION_OUTCOME_KINDS)[number]

export type HostFailureKind = Exclude<ProvisionOutcomeKind, 'running' | 'stale'>

export interface ProvisionOutcome {
  sessionId: string
  provider: string
  offerId: string
  /** `<provider>:<machine>`; null when the provider does not say which machine. */
  hostId: string | null
  kind: ProvisionOutcomeKind
  detail: string | null
  at: number
}

export function succeeded(outcome: Pick<ProvisionOutcome, 'kind'>): boolean {
  return outcome.kind === 'running'
}

export interface HealthStats {
  attempts: number
  failures: number
  /** Failures since the last success, newest first counted. */
  consecutiveFailures: number
  lastFailureAt: number | null
  lastSuccessAt: number | null
  /** 0..1: the decayed success rate, with the prior. */
  confidence: number
  /** Until when the host is skipped by picks by spec and retries; null when it is not. */
  coolingDownUntil: number | null
}

/** What is known of a set of outcomes (an offer's, or its machine's), at `now`. */
export function healthOf(outcomes: readonly Pick<ProvisionOutcome, 'kind' | 'at'>[], now: number): HealthStats {
  let successWeight = 0
  let weight = 0
  let failures = 0
  let lastFailureAt: number | null = null
  let lastSuccessAt: number | null = null
  for (const o of outcomes) {
    const w = 0.5 ** (Math.max(0, now - o.at) / HEALTH_HALF_LIFE_MS)
    weight += w
    if (succeeded(o)) {
      successWeight += w
      lastSuccessAt = Math.max(lastSuccessAt ?? -Infinity, o.at)
    } else {
      failures += 1
      lastFailureAt = Math.max(lastFailureAt ?? -Infinity, o.at)
    }
  }
  const consecutiveFailures = outcomes.filter((o) => !succeeded(o) && (lastSuccessAt === null || o.at > lastSuccessAt)).length
  const coolingDownUntil =
    consecutiveFailures >= COOL_DOWN_AFTER_FAILURES && lastFailureAt !== null && now < lastFailureAt + COOL_DOWN_MS ? lastFailureAt + COOL_DOWN_MS : null
  return {
    attempts: outcomes.length,
    failures,
    consecutiveFailures,
    lastFailureAt,
    lastSuccessAt,
    confidence: roundConfidence((successWeight + PRIOR_RATE * PRIOR_WEIGHT) / (weight + PRIOR_WEIGHT)),
    coolingDownUntil,
  }
}

/** An offer never tried, on a machine never tried. */
export const UNTRIED_CONFIDENCE = PRIOR_RATE

function roundConfidence(x: number): number {
  return Math.round(x * 1000) / 1000
}

/**
 * An offer's outcomes are its own and its machine's (a marketplace lists one machine under a
 * new offer id after each rental): one list, each session once.
 */
export function outcomesOfOffer<T extends Pick<ProvisionOutcome, 'sessionId' | 'offerId' | 'hostId'>>(
  offer: {id: string; hostId?: string | null},
  outcomes: readonly T[],
): T[] {
  return outcomes.filter((o) => o.offerId === offer.id || (offer.hostId != null && o.hostId === offer.hostId))
}

/**
 * The order to try offers in, from the order they came in (cheapest first): hosts cooling down
 * are left out, and the rest go by expected price per working box, price / confidence, so a
 * cheaper offer that often fails loses to a slightly dearer one that works. Ties keep the
 * incoming order.
 */
export function rankByHealth<T extends {pricePerHour: number}>(offers: readonly T[], healthOf: (offer: T) => HealthStats | null): T[] {
  return offers
    .map((offer, index) => ({offer, index, health: healthOf(offer)}))
    .filter(({health}) => health?.coolingDownUntil == null)
    .map((c) => ({...c, expected: c.offer.pricePerHour / Math.max(0.01, c.health?.confidence ?? UNTRIED_CONFIDENCE)}))
    .sort((a, b) => a.expected - b.expected || a.index - b.index)
    .map((c) => c.offer)
}
