import {randomBytes} from 'node:crypto'

import {NO_RETRY, resolveRetryTerms, type RetryRequest, type RetryTerms} from '../core/auto-retry.js'
import {AppError} from '../core/errors.js'
import {gpuTypeMatcher, normalizeGpuName} from '../core/gpu-names.js'
import {asMicroUsd, costForDuration, formatUsd, type MicroUsd} from '../core/money.js'
import {parseOfferId, type Offer} from '../core/offer.js'
import {priceForDisk} from '../core/offer-quote.js'
import {DEFAULT_RELIABILITY_FLOOR} from '../core/provisioning-spec.js'
import {regionCountry, skuOf} from '../core/sku.js'
import {isProviderName, type ProviderName} from '../core/provider-name.js'
import {extendedExpiry, reservationEnd} from '../core/reservation.js'
import type {StoragePolicy, WorkloadType} from '../core/session.js'
import {isTerminal} from '../core/session-status.js'
import {launchProblemFor} from '../core/launch-support.js'
import {resolveLaunch, type LaunchProblem, type LaunchRequest, type WorkloadLaunch} from '../core/workload-launch.js'
import {templateCreateTerms, type Template} from '../core/template.js'
import {generateSessionKeyPair, parsePublicKey} from '../ssh/keys.js'
import type {SessionEvent} from '../store/session-events-repo.js'
import type {SessionListFilter, SessionSpec, StoredSession} from '../store/sessions-repo.js'
import type {ServiceContext} from './context.js'
import {callerTenant, isOfferVisible, isVisible, offerVisibility, ownerOf} from './tenancy.js'
import {assertWithinBudget} from './budget-service.js'
import {billedSoFarOf} from './cost-service.js'
import {crashPoint} from './crash-points.js'
import {isNodeRegion} from './node-catalog.js'
import {reserveNodeSlots} from './node-slots.js'
import {oncePerKey, rememberResult, replayIfSeen, type IdempotentRequest, type Replay} from './idempotency.js'
import {replayedPrivateKey, sealPrivateKeyForReplay} from './replayable-private-key.js'
import {resolveSshKeys} from './ssh-key-service.js'
import {transitionSession} from './session-transitions.js'
import {sealWorkloadEnv} from './workload-env.js'
import {bestHealthyOffer} from './offer-health.js'

export interface CreateSessionInput {
  consumerId: string
  offerId: string
  workloadType: WorkloadType
  reservationHours: number
  idleThresholdMinutes: number
  storagePolicy: StoragePolicy
  diskGb: number
  templateHashId: string | null
  /** The template the request named, resolved; checked against the offer before anything is rented. */
  template?: Template | null
  sshPublicKey: string | null
  sshKeyIds: string[]
  hardMaxOverride: boolean
  /** What to run once the box is verified. */
  launch: LaunchRequest
  /** Auto-retry on a host that fails to boot or to let us in (core/auto-retry.ts); none when absent. */
  retry?: RetryRequest
}

export interface CreatedSession {
  session: StoredSession
  /**
   * Only when the server generated the key pair. Never stored in plain text: a create with an
   * idempotency key keeps it encrypted with its record, so a replay can return it again.
   */
  sshPrivateKey: string | null
}

/** Operations an idempotency key is kept for, one namespace of keys each. */
const CREATE = 'create-session'
const CREATE_BY_SPEC = 'create-session-by-spec'
const RELEASE = 'release-session'
const DESTROY = 'destroy-session'
const EXTEND = 'extend-session'

export function newSessionId(): string {
  return `sess-${randomBytes(6).toString('hex')}`
}

/** Rents the offer the caller named; `recordIntent` says what is written, and when. */
export async function createSession(ctx: ServiceContext, input: CreateSessionInput, idempotency: IdempotentRequest): Promise<CreatedSession> {
  return recordIntent(ctx, CREATE, idempotency, async () => {
    const offer = await ctx.store.offers.get(input.offerId)
    if (!offer || !isOfferVisible(ctx, offer)) {
      throw new AppError('not_found', `offer ${input.offerId} is not in the inventory; run \`gpu-shopper inventory\` for current offers. No instance was created.`, {
        offer_id: input.offerId,
      })
    }
    if (!offer.available) {
      throw new AppError('stale_inventory', `offer ${input.offerId} is no longer available at ${offer.provider}; pick another offer. No instance was created.`, {
        offer_id: input.offerId,
        provider: offer.provider,
        retry_suggested: true,
      })
    }
    return {offer, spec: null, input}
  })
}

/**
 * Whether a create with this idempotency key is already recorded: its retry replays the first
 * reply and needs nothing resolved again (a template, from a provider that may be down now).
 * A key used with another request is refused here as it would be by the create.
 */
export async function createRecorded(ctx: ServiceContext, idempotency: IdempotentRequest, by: 'offer' | 'spec'): Promise<boolean> {
  if (!idempotency.key) return false
  return ctx.store.transaction(async () => (await replayIfSeen(ctx, by === 'spec' ? CREATE_BY_SPEC : CREATE, idempotency)) !== null)
}

export interface SpecRequest {
  sku?: string
  gpuType?: string
  gpuCount: number
  region: string | null
  maxPricePerHour: MicroUsd | null
  minReliability: number | null
}

/**
 * Provisioning by spec: picks the best live offer for (model, count, region, max price) —
 * cheapest per working box, weighing each offer's availability confidence, and never a host
 * cooling down after repeated failures (services/offer-health.ts) — and records the spec so the
 * provisioner can fail over to the next best offer if the provider says this one is gone.
 */
export async function createSessionBySpec(
  ctx: ServiceContext,
  request: SpecRequest,
  input: Omit<CreateSessionInput, 'offerId'>,
  idempotency: IdempotentRequest,
): Promise<CreatedSession> {
  return recordIntent(ctx, CREATE_BY_SPEC, idempotency, async () => {
    const spec = await resolveSpec(ctx, request)
    // Picked and taken in one step: no other create gets the same single machine.
    await lockOfferHolds(ctx)
    // A launch the request gets wrong is refused by the create itself, naming the field.
    const resolved = resolveLaunch(input.launch)
    const providers = providersAbleToRun(ctx, 'launch' in resolved ? resolved.launch : null, input.storagePolicy)
    // A template runs on its provider's offers only, with the driver and disk it needs.
    const template = input.template ?? null
    const offer = await bestHealthyOffer(ctx, {
      ...spec,
      excludeIds: await heldOfferIds(ctx),
      providers: template ? providers.filter((p) => p === template.provider) : providers,
      minCudaVersion: template?.minCudaVersion ?? null,
      minDiskGb: template?.recommendedDiskGb ?? null,
      visibleTo: offerVisibility(ctx),
    })
    if (!offer) {
      throw new AppError(
        'sku_unavailable',
        `no live offer matches ${spec.gpuCount}x ${spec.sku}${spec.region ? ` in ${spec.region}` : ''}${spec.maxPricePerHour !== null ? ` at or under $${spec.maxPricePerHour / 1e6}/h` : ''} with reliability >= ${spec.minReliability}${providers.length < ctx.providers.entries().length ? ` at a provider that can run what was asked (${providers.join(', ') || 'none configured'})` : ''}; try another SKU, GPU count or region (\`gpu-shopper catalog list\`). No instance was created.`,
        {
          searched: {
            sku: spec.sku,
            gpu_type_key: spec.gpuTypeKey,
            gpus_total: spec.gpuCount,
            region_code: spec.region,
            country_code: spec.countryCode,
            max_price_per_hour: spec.maxPricePerHour === null ? null : spec.maxPricePerHour / 1e6,
            min_reliability: spec.minReliability,
          },
        },
      )
    }
    return {offer, spec, input: {...input, offerId: offer.id}}
  })
}

async function resolveSpec(ctx: ServiceContext, request: SpecRequest): Promise<SessionSpec> {
  let gpuType: string | undefined
  if (request.sku) {
    const slug = request.sku.trim().toLowerCase()
    const onOffer = await ctx.store.offers.gpuTypes()
    gpuType = onOffer.find((t) => skuOf(t) === slug)
    if (!gpuType) {
      // Not a catalog slug: read it as a model ("h100", "a100-sxm"), decided by the same matcher as --gpu-type.
      const asModel = normalizeGpuName(slug.replaceAll('-', ' '))
      const matches = gpuTypeMatcher(asModel)
      if (onOffer.some((t) => matches.byName(t))) gpuType = asModel
    }
    if (!gpuType) {
      throw new AppError('sku_unavailable', `no offer of SKU "${request.sku}" is in the inventory; see \`gpu-shopper catalog list\` for SKUs. No instance was created.`, {
        searched: {sku: request.sku, gpus_total: request.gpuCount, region_code: request.region},
      })
    }
  } else {
    gpuType = normalizeGpuName(request.gpuType ?? '')
  }
  const countryCode = request.region ? regionCountry(request.region) : null
  if (request.region && !countryCode && !(await isNodeRegion(ctx, request.region))) {
    throw new AppError(
      'validation_error',
      `region_code "${request.region}" neither starts with a country code (e.g. "US" or "us-east-1") nor is the region of a registered node (see \`gpu-shopper nodes list\`)`,
      {field: 'region_code'},
    )
  }
  return {
    sku: skuOf(gpuType),
    gpuTypeKey: gpuType.toLowerCase(),
    gpuCount: request.gpuCount,
    region: request.region,
    countryCode,
    maxPricePerHour: request.maxPricePerHour,
    minReliability: request.minReliability ?? DEFAULT_RELIABILITY_FLOOR,
  }
}

/**
 * The configured providers that can run what a session asks for: its launch (a model server
 * needs container images) and its storage policy (preserve needs a stop that keeps the disk).
 * Provisioning by spec and its failover pick only among their offers, so a spec never lands on
 * an offer the create would then refuse.
 */
export function providersAbleToRun(ctx: ServiceContext, launch: WorkloadLaunch | null, storagePolicy: StoragePolicy): string[] {
  return ctx.providers
    .entries()
    .filter(([name, {adapter}]) => (launch === null || launchProblemFor(name, adapter.capabilities.launch, launch) === null) && (storagePolicy !== 'preserve' || canPreserve(ctx, name)))
    .map(([name]) => name)
}

/** Offers of single-machine marketplaces that our own live sessions hold: never the best offer for a spec. */
export async function heldOfferIds(ctx: ServiceContext): Promise<string[]> {
  return (await ctx.store.sessions.liveOfferIds()).filter((id) => {
    const provider = parseOfferId(id)?.provider ?? ''
    return isProviderName(provider) && ctx.providers.has(provider) && ctx.providers.get(provider).capabilities.singleUseOffers
  })
}

/**
 * Call inside the transaction that checks which single-machine offers our sessions hold and
 * then gives one to a session (a create, by offer or by spec, and the provisioner's failover):
 * until it ends, no other server process can find the same machine free. One key for every
 * offer, since a pick by spec does not know its offer before it looks.
 */
export async function lockOfferHolds(ctx: ServiceContext): Promise<void> {
  await ctx.store.db.lockKey('single-use-offer-holds')
}

/**
 * Call inside the transaction that checks a consumer's budget and then commits the spending
 * it allows: two creates or extensions at once could otherwise both fit in what is left.
 */
export async function lockBudgetOf(ctx: ServiceContext, consumerId: string): Promise<void> {
  await ctx.store.db.lockKey(`budget:${ownerOf(ctx).tenantId}/${consumerId}`)
}

/**
 * A marketplace whose offers are single machines (Vast.ai) cannot rent one twice: if one of our
 * own live sessions holds it, say so now instead of failing later as stale inventory.
 */
async function refuseIfHeld(ctx: ServiceContext, offer: Offer): Promise<void> {
  if (!ctx.providers.get(offer.provider as ProviderName).capabilities.singleUseOffers) return
  await lockOfferHolds(ctx)
  const holder = await ctx.store.sessions.liveHolderOf(offer.id)
  if (!holder) return
  // Another tenant's session is not named: its id is none of the caller's business.
  if (!(await findSession(ctx, holder.id))) {
    throw new AppError('conflict', `offer ${offer.id} is already rented through this server; pick another offer. No instance was created.`, {offer_id: offer.id})
  }
  throw new AppError(
    'conflict',
    `offer ${offer.id} is already rented by your session ${holder.id} (${holder.status}); pick another offer, or use that session. No instance was created.`,
    {offer_id: offer.id, session_id: holder.id, session_status: holder.status},
  )
}

/** What a create rents: the offer, the spec it was picked by (if any), and the request. */
interface Choice {
  offer: Offer
  spec: SessionSpec | null
  input: CreateSessionInput
}

/**
 * Records the intent to rent: the session (pending), its first event, the provision job and
 * the idempotency record commit in one transaction before any provider is called, so a crash
 * either leaves nothing or leaves a job that will finish (or undo) the work. The checks run in
 * that transaction too (key unused, offer free, budget left), so two creates at once never
 * both pass them.
 */
async function recordIntent(ctx: ServiceContext, operation: string, idempotency: IdempotentRequest, choose: () => Promise<Choice>): Promise<CreatedSession> {
  // The intent to rent: on disk before the reply promises it, and before any provider call.
  const {created, event} = await ctx.store.durably(async (): Promise<{created: CreatedSession; event: SessionEvent | null}> => {
    const replay = await replayIfSeen<CreatedSessionRecord>(ctx, operation, idempotency)
    if (replay) return {created: await replayedCreate(ctx, operation, idempotency, replay), event: null}
    const {offer, spec, input} = await choose()
    return insertSession(ctx, offer, spec, input, operation, idempotency)
  })
  if (event) {
    ctx.events.publish(event)
    crashPoint('after-intent-commit')
  }
  return created
}

/**
 * What a session not provisioned yet holds besides its terms: pending, nothing learned from a
 * provider, its reservation counted from `now`. A create and a retry's successor both start from
 * it, so nothing the provisioner fills in is carried over from the try a successor replaces.
 */
export function unprovisionedState(now: number, reservationHours: number) {
  return {
    status: 'pending',
    providerInstanceId: null,
    sshHost: null,
    sshPort: null,
    sshUser: null,
    sshHostKeyFingerprint: null,
    sshHostPublicKey: null,
    sshJump: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    expiresAt: reservationEnd(now, reservationHours),
    stoppedAt: null,
    failureReason: null,
    offerAttempts: 1,
    createAttemptedAt: null,
    idleSince: null,
    lastGpuSampleAt: null,
    lastGpuUtilizationPct: null,
    destroyRequestedAt: null,
    apiEndpoint: null,
    workloadStartedAt: null,
    resumes: 0,
    resumedAt: null,
    retriedAs: null,
  } as const satisfies Partial<StoredSession>
}

/** Writes the intent; runs inside `recordIntent`'s transaction. */
async function insertSession(
  ctx: ServiceContext,
  offer: Offer,
  spec: SessionSpec | null,
  input: CreateSessionInput,
  operation: string,
  idempotency: IdempotentRequest,
): Promise<{created: CreatedSession; event: SessionEvent}> {
  if (!isProviderName(offer.provider) || !ctx.providers.has(offer.provider)) {
    throw new AppError('provider_error', `provider ${offer.provider} is not configured on this daemon. No instance was created.`, {provider: offer.provider})
  }
  const templated = templateTermsFor(offer, input)
  const launch = launchFor(ctx, offer, {...input.launch, image: templated.image})
  const retry = retryTermsFor(input.retry)
  if (input.storagePolicy === 'preserve' && !canPreserve(ctx, offer.provider as ProviderName)) {
    throw new AppError(
      'validation_error',
      `storage_policy: preserve keeps a stopped instance's disk, billing storage only; gpu-shopper can do that at vastai, not at ${offer.provider} yet. Use storage_policy destroy (the default) here. No instance was created.`,
      {field: 'storage_policy'},
    )
  }
  const attachedSshKeys = await resolveSshKeys(ctx, input.sshKeyIds)
  await refuseIfHeld(ctx, offer)
  // What this session pays: the listed price is for the default disk; another size reprices it.
  const pricePerHour = priceForDisk(offer, input.diskGb)

  await lockBudgetOf(ctx, input.consumerId)
  await assertWithinBudget(ctx, input.consumerId, costForDuration(pricePerHour, input.reservationHours * 3_600_000), `${input.reservationHours}h of ${offer.id}`)

  let sshPublicKey = input.sshPublicKey
  let sshPrivateKey: string | null = null
  if (sshPublicKey) {
    try {
      parsePublicKey(sshPublicKey)
    } catch (err) {
      throw new AppError('validation_error', `ssh_public_key: ${(err as Error).message}`, {field: 'ssh_public_key'})
    }
  } else if (attachedSshKeys.length > 0) {
    // The user named registered keys: the first is the session's own, and no key is generated
    // (nobody asked for a private key, so none should exist).
    sshPublicKey = attachedSshKeys[0]!.publicKey
  } else {
    const pair = generateSessionKeyPair('gpu-shopper-session')
    sshPublicKey = pair.publicKey
    sshPrivateKey = pair.privateKey
  }

  const now = ctx.clock.now()
  const id = newSessionId()
  const session: StoredSession = {
    ...unprovisionedState(now, input.reservationHours),
    id,
    consumerId: input.consumerId,
    provider: offer.provider,
    offerId: offer.id,
    offerProviderId: offer.providerId,
    gpuType: offer.gpuType,
    gpuCount: offer.gpuCount,
    sshPublicKey,
    workloadType: input.workloadType,
    reservationHours: input.reservationHours,
    pricePerHour,
    diskGb: input.diskGb,
    storagePolicy: input.storagePolicy,
    idleThresholdMinutes: input.idleThresholdMinutes,
    templateHashId: templated.templateHashId,
    hardMaxOverride: input.hardMaxOverride,
    spec,
    attachedSshKeys,
    launch,
    launchEnvSealed: launch ? sealWorkloadEnv(ctx, id, input.launch.env) : null,
    hostId: offer.hostId ?? null,
    retry,
    retryOf: null,
    retryAttempt: 0,
    ...ownerOf(ctx),
  }

  await ctx.store.sessions.insert(session)
  // A node's GPUs are held from the intent on: two creates never get the same one.
  const slots = await reserveNodeSlots(ctx, session.id, offer)
  const event = await ctx.store.events.append({
    sessionId: session.id,
    at: now,
    type: 'status',
    fromStatus: null,
    toStatus: 'pending',
    actor: 'api',
    message: `session requested for ${offer.gpuCount}x ${offer.gpuType} (${offer.id} at ${formatUsd(pricePerHour, 4)}/h with ${input.diskGb} GB disk) by ${input.consumerId}${slots.length > 0 ? `; reserved ${slots.join(', ')}` : ''}`,
  })
  await ctx.store.jobs.enqueue('provision', session.id, now, now)
  // The stored result never carries the private key; only its ciphertext is kept beside it.
  const sealed = sealPrivateKeyForReplay(ctx, operation, idempotency.key, sshPrivateKey)
  // The record keeps the session as the reply showed it; its sealed variables stay on the session row only.
  await rememberResult(ctx, operation, idempotency, {session: {...session, launchEnvSealed: null}} satisfies CreatedSessionRecord, session.id, sealed)
  return {created: {session, sshPrivateKey}, event}
}

/**
 * The launch the request asks for, checked against what the offer's provider can run (null for
 * an empty box); refused before anything is rented.
 */
function launchFor(ctx: ServiceContext, offer: Offer, request: LaunchRequest): WorkloadLaunch | null {
  const resolved = resolveLaunch(request)
  if ('problem' in resolved) throw launchError(resolved.problem)
  const {launch} = resolved
  const empty = launch.image === null && launch.onStart === null && launch.exposePorts.length === 0 && launch.envKeys.length === 0
  if (empty) return null
  const problem = launchProblemFor(offer.provider, ctx.providers.get(offer.provider as ProviderName).capabilities.launch, launch)
  if (problem) throw launchError(problem)
  if (launch.envKeys.length > 0 && launch.onStart === null) {
    throw launchError({field: 'env', message: 'sets variables for a workload, but nothing is started: add --on-start CMD or a --workload-type that serves a model'})
  }
  return launch
}

function retryTermsFor(request: RetryRequest | undefined): RetryTerms {
  if (!request) return NO_RETRY
  const terms = resolveRetryTerms(request)
  if ('problem' in terms) throw new AppError('validation_error', `${terms.problem.field}: ${terms.problem.message}. No instance was created.`, {field: terms.problem.field})
  return terms
}

/**
 * The image and Vast.ai template hash a create sends: the request's own, or with a template,
 * what the template makes of them once it is checked against the offer (its provider, CUDA and
 * disk), refused before anything is rented.
 */
function templateTermsFor(offer: Offer, input: CreateSessionInput): {image: string | null; templateHashId: string | null} {
  const template = input.template ?? null
  if (!template) return {image: input.launch.image, templateHashId: input.templateHashId}
  const terms = templateCreateTerms(template, offer, {image: input.launch.image, templateHashId: input.templateHashId, diskGb: input.diskGb})
  if ('problem' in terms) throw new AppError('validation_error', `template: ${terms.problem}. No instance was created.`, {field: 'template', template_id: template.id})
  return terms
}

function launchError(problem: LaunchProblem): AppError {
  return new AppError('validation_error', `${problem.field}: ${problem.message}. No instance was created.`, {field: problem.field})
}

/** What a create's idempotency record keeps: the session as created, without any private key. */
interface CreatedSessionRecord {
  session: StoredSession
}

/**
 * A retried create: the session as the first reply described it, with its sealed private key
 * opened again. A record kept from before results were stored knows only the session's id.
 */
async function replayedCreate(ctx: ServiceContext, operation: string, idempotency: IdempotentRequest, replay: Replay<CreatedSessionRecord>): Promise<CreatedSession> {
  const session = replay.result?.session ?? (await getSession(ctx, replay.resourceId ?? ''))
  return {session, sshPrivateKey: replayedPrivateKey(ctx, replay.sealedSecret, operation, idempotency.key!)}
}

export async function getSession(ctx: ServiceContext, id: string): Promise<StoredSession> {
  const session = await findSession(ctx, id)
  if (!session) throw new AppError('not_found', `session ${id} does not exist; run \`gpu-shopper sessions\` to list yours`, {session_id: id})
  return session
}

/** A page of sessions, newest first, each with what it has cost so far. */
export async function listSessions(ctx: ServiceContext, filter: SessionListFilter): Promise<{sessions: {session: StoredSession; billed: MicroUsd}[]; total: number}> {
  const {sessions, total} = await ctx.store.sessions.list({...filter, tenantId: callerTenant(ctx)})
  const billed = await billedSoFarOf(ctx, sessions)
  return {sessions: sessions.map((session) => ({session, billed: billed.get(session.id) ?? asMicroUsd(0)})), total}
}

/** The session's events after event id `afterId`, oldest first. */
export function sessionEventsAfter(ctx: ServiceContext, sessionId: string, afterId: number): Promise<SessionEvent[]> {
  return ctx.store.events.listAfter(sessionId, afterId)
}

/** The session if it still exists (a stream or socket opened on it may outlive it); null otherwise. */
export async function findSession(ctx: ServiceContext, id: string): Promise<StoredSession | null> {
  const session = await ctx.store.sessions.get(id)
  return session && isVisible(ctx, session.tenantId) ? session : null
}

/** The same session, asked for in the quick start's words. */
export async function getAllocation(ctx: ServiceContext, id: string): Promise<StoredSession> {
  const session = await findSession(ctx, id)
  if (!session) throw new AppError('not_found', `allocation ${id} does not exist; run \`gpu-shopper allocations list\` to list yours`, {allocation_id: id})
  return session
}

/** An extension a client may retry with the same idempotency key: the retry does not add the hours twice. */
export async function extendSessionOnce(ctx: ServiceContext, id: string, additionalHours: number, idempotency: IdempotentRequest): Promise<StoredSession> {
  return oncePerKey(ctx, EXTEND, idempotency, () => extendSession(ctx, id, additionalHours), (session) => session.id)
}

export async function extendSession(ctx: ServiceContext, id: string, additionalHours: number): Promise<StoredSession> {
  const {extended, event} = await ctx.store.transaction(async () => {
    await lockBudgetOf(ctx, (await getSession(ctx, id)).consumerId)
    // Read again under the lock: an extension that went first has moved the expiry.
    const session = await getSession(ctx, id)
    if (isTerminal(session.status) || session.status === 'stopping') {
      throw new AppError('conflict', `session ${id} is ${session.status}; only a pending, provisioning or running session can be extended`, {
        session_id: id,
        status: session.status,
      })
    }
    const expiresAt = extendedExpiry(session.expiresAt, session.startedAt ?? session.createdAt, additionalHours, session.hardMaxOverride)
    await assertWithinBudget(ctx, session.consumerId, costForDuration(session.pricePerHour, additionalHours * 3_600_000), `extending ${id} by ${additionalHours}h`)
    const now = ctx.clock.now()
    // The hours reserved now, as `sessions get` shows them; a session that starts running later
    // is then reserved for these from its start, not for what was asked at first.
    const reservationHours = session.reservationHours + additionalHours
    if (!(await ctx.store.sessions.update(id, session.status, {expiresAt, reservationHours}, now))) {
      throw new AppError('conflict', `session ${id} changed state while extending; try again`, {session_id: id})
    }
    const event = await ctx.store.events.append({
      sessionId: id,
      at: now,
      type: 'extended',
      fromStatus: null,
      toStatus: null,
      actor: 'api',
      message: `reservation extended by ${additionalHours}h to ${new Date(expiresAt).toISOString()}`,
    })
    return {extended: {...session, expiresAt, reservationHours}, event}
  })
  ctx.events.publish(event)
  return extended
}

/**
 * `release` ends a session as its storage policy says: a running session that preserves its disk
 * is stopped and kept (preserved); any other is destroyed. `destroy` always destroys, a
 * preserved session's disk too.
 */
export type ReleaseMode = 'release' | 'destroy'

/**
 * Starts releasing a session: status stopping plus a job that destroys the instance and verifies
 * it is gone (or, keeping its disk, stops it and verifies it stopped). Repeating it is harmless.
 */
export async function releaseSession(ctx: ServiceContext, id: string, reason: {actor: string; message: string}, mode: ReleaseMode = 'release'): Promise<StoredSession> {
  const session = await getSession(ctx, id)
  // Already released with its disk kept: only a destroy ends it.
  if (session.status === 'preserved' && mode === 'release') return session
  if (session.status === 'stopping' || isTerminal(session.status)) {
    // A failed session's instance is gone once its stop time is set (destroyed and verified, or found gone).
    if (session.status === 'failed' && session.providerInstanceId && session.stoppedAt === null) {
      await ctx.store.transaction(async () => {
        if ((await ctx.store.jobs.openFor(id, 'release')).length === 0) await ctx.store.jobs.enqueue('release', id, ctx.clock.now(), ctx.clock.now())
      })
    }
    return session
  }
  const now = ctx.clock.now()
  const kind = mode === 'release' && keepsDisk(ctx, session) ? 'preserve' : 'release'
  await ctx.store.transaction(async () => {
    if (!(await transitionSession(ctx, session, 'stopping', {}, reason))) {
      throw new AppError('conflict', `session ${id} changed state while releasing; try again`, {session_id: id})
    }
    if ((await ctx.store.jobs.openFor(id, kind)).length === 0) await ctx.store.jobs.enqueue(kind, id, now, now)
  })
  return getSession(ctx, id)
}

/** A running session whose policy is to preserve its disk, at a provider that can stop and keep it. */
function keepsDisk(ctx: ServiceContext, session: StoredSession): boolean {
  return session.storagePolicy === 'preserve' && session.status === 'running' && session.providerInstanceId !== null && canPreserve(ctx, session.provider)
}

function canPreserve(ctx: ServiceContext, provider: ProviderName): boolean {
  const adapter = ctx.providers.get(provider)
  return adapter.stopInstance !== undefined && adapter.startInstance !== undefined
}

/**
 * Starts a preserved session's instance again: it provisions as a new session would from its
 * instance on (SSH verified again, its workload started again), billing compute once it runs.
 */
export async function resumeSession(ctx: ServiceContext, id: string): Promise<StoredSession> {
  const session = await getSession(ctx, id)
  if (session.status !== 'preserved') {
    throw new AppError('conflict', `session ${id} is ${session.status}; only a preserved session (released with storage_policy preserve) can be resumed`, {
      session_id: id,
      status: session.status,
    })
  }
  const now = ctx.clock.now()
  await ctx.store.transaction(async () => {
    const resumed = await transitionSession(
      ctx,
      session,
      'provisioning',
      // Verified again from scratch: the address and host key are learned anew, the workload started once more.
      {resumedAt: now, resumes: (session.resumes ?? 0) + 1, sshHostKeyFingerprint: null, workloadStartedAt: null, apiEndpoint: null, destroyRequestedAt: null},
      {actor: 'api', message: `resuming: starting instance ${session.providerInstanceId} again at ${session.provider}`},
    )
    if (!resumed) throw new AppError('conflict', `session ${id} changed state while resuming; try again`, {session_id: id})
    await ctx.store.jobs.enqueue('provision', id, now, now)
  })
  return getSession(ctx, id)
}

/** A release a client may retry with the same idempotency key: the retry gets the first result (the session as it was then). */
export async function releaseSessionOnce(
  ctx: ServiceContext,
  id: string,
  reason: {actor: string; message: string},
  idempotency: IdempotentRequest,
  mode: ReleaseMode = 'release',
): Promise<StoredSession> {
  return oncePerKey(ctx, mode === 'release' ? RELEASE : DESTROY, idempotency, () => releaseSession(ctx, id, reason, mode), (session) => session.id)
}
