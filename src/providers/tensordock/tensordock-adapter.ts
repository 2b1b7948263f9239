import {systemClock, type Clock} from '../../core/clock.js'
import type {InventoryQuery} from '../../core/inventory-query.js'
import type {Offer} from '../../core/offer.js'
import type {Template} from '../../core/template.js'
import {ProviderError, ProviderUnavailableError} from '../errors.js'
import {JsonHttpClient, type JsonResponse} from '../http/json-http-client.js'
import {realSleep, type Sleep} from '../http/sleep.js'
import {TokenBucket, type RateLimit} from '../http/token-bucket.js'
import type {
  AdapterLogger,
  CallOptions,
  CreatedInstance,
  CreateInstanceRequest,
  ProviderAdapter,
  ProviderCapabilities,
  ProviderInstance,
  TemplateQuery,
} from '../provider.js'

import {buildCreateBody, checkInstanceName, checkPublicKeys} from './tensordock-create-body.js'
import {replyFailure, tensorDockErrorFor} from './tensordock-errors.js'
import {instanceFromTensorDock, isGoneStatus, parseTensorDockInstance} from './tensordock-instance.js'
import {isTensorDockUuid, parseOfferKey} from './tensordock-offer-id.js'
import {parseLocations, type TensorDockDeployment} from './tensordock-offer.js'
import {selectOffers} from '../offer-selection.js'
import {tensorDockCreateReplySchema} from './tensordock-wire.js'
import {tensorDockImageTemplates} from './tensordock-templates.js'

export interface TensorDockAdapterOptions {
  /** The host root (`https://dashboard.tensordock.com`); paths start with `/api/v2`. */
  baseUrl: string
  /** The dashboard's "API Token"; v2 needs only this, as `Authorization: Bearer`. */
  apiToken: string
  /**
   * The dashboard's "Authorization ID" (v0 `api_key`). Optional: used only to retry
   * `GET /locations` with query-parameter auth when Bearer is refused there, the form
   * cloud-gpu-shopper used live for that endpoint.
   */
  authId?: string
  clock?: Clock
  sleep?: Sleep
  /** Client-side pacing; TensorDock allows 100 requests/minute per organisation. */
  rateLimit?: RateLimit
  /** Per attempt, for every call but create. */
  timeoutMs?: number
  /** Per attempt for create: live, creates ran into 60 s deadlines. */
  createTimeoutMs?: number
  /** Default `ubuntu2204`: `ubuntu2404` had no NVIDIA driver live (BUG-009). */
  image?: string
  vcpus?: number
  ramGb?: number
  /** At least 100 (TensorDock's minimum); a request for more disk gets more. */
  storageGb?: number
  /** Waits before retries 1..n; tests shorten it. Default 1 s, 2 s, 4 s. */
  retryBackoffMs?: readonly number[]
  logger?: AdapterLogger
}

export const DEFAULT_TENSORDOCK_IMAGE = 'ubuntu2204'
/** The Linux images TensorDock's v2 API boots (providers.md §2.6); Windows is left out, SSH is how sessions are reached. */
export const TENSORDOCK_OS_IMAGES = ['ubuntu2404', 'ubuntu2204', 'ubuntu2004', 'debian12'] as const
/** 100/min is 1.67/s; 1.6 keeps a margin for clock skew against TensorDock's window. */
const DEFAULT_RATE_LIMIT: RateLimit = {perSecond: 1.6, burst: 3}
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_CREATE_TIMEOUT_MS = 90_000
/** cloud-gpu-shopper's deployment, which worked live. */
const DEFAULT_VCPUS = 8
const DEFAULT_RAM_GB = 32
export const MIN_STORAGE_GB = 100

export interface SearchStats {
  received: number
  skipped: number
}

export class TensorDockAdapter implements ProviderAdapter {
  readonly name = 'tensordock' as const
  readonly capabilities: ProviderCapabilities
  /** What the last search read; `skipped` GPU entries could not be parsed. */
  lastSearch: SearchStats | null = null

  readonly #http: JsonHttpClient
  readonly #createHttp: JsonHttpClient
  readonly #clock: Clock
  readonly #image: string
  readonly #deployment: TensorDockDeployment
  readonly #logger: AdapterLogger | undefined
  readonly #apiToken: string
  readonly #authId: string | undefined

  constructor(options: TensorDockAdapterOptions) {
    if (!options.apiToken) throw new Error('a TensorDock API token is required (TENSORDOCK_API_TOKEN)')
    const storageGb = options.storageGb ?? MIN_STORAGE_GB
    if (!(storageGb >= MIN_STORAGE_GB)) throw new RangeError(`TensorDock storage must be at least ${MIN_STORAGE_GB} GB, got ${storageGb}`)
    const vcpus = options.vcpus ?? DEFAULT_VCPUS
    const ramGb = options.ramGb ?? DEFAULT_RAM_GB
    if (!Number.isInteger(vcpus) || vcpus < 1 || !Number.isInteger(ramGb) || ramGb < 1) throw new RangeError(`invalid TensorDock deployment: ${vcpus} vCPUs, ${ramGb} GB RAM`)

    this.#clock = options.clock ?? systemClock
    this.#image = options.image ?? DEFAULT_TENSORDOCK_IMAGE
    this.capabilities = {
      serverSideFilters: false,
      attachSshKeyAfterCreate: false,
      singleUseOffers: false,
      resumableCreate: false,
      launch: {images: {kind: 'os', names: TENSORDOCK_OS_IMAGES, default: this.#image}, exposePorts: true},
    }
    this.#deployment = {vcpus, ramGb, storageGb}
    this.#logger = options.logger
    this.#apiToken = options.apiToken
    this.#authId = options.authId || undefined
    const sleep = options.sleep ?? realSleep
    // One bucket for both clients: the limit is per organisation, not per kind of call.
    const limiter = new TokenBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT, this.#clock, sleep)
    const common = {
      provider: this.name,
      baseUrl: options.baseUrl,
      headers: {authorization: `Bearer ${options.apiToken}`},
      secrets: [options.apiToken, ...(this.#authId ? [this.#authId] : [])],
      limiter,
      clock: this.#clock,
      sleep,
      backoffMs: options.retryBackoffMs,
    }
    this.#http = new JsonHttpClient({...common, timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS})
    this.#createHttp = new JsonHttpClient({...common, timeoutMs: options.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS})
  }

  async searchOffers(query: InventoryQuery, options?: CallOptions): Promise<Offer[]> {
    const path = '/api/v2/locations'
    const where = `GET ${path}`
    let res = await this.#http.request({method: 'GET', path, idempotent: true, signal: options?.signal})
    let failure = replyFailure(res)
    if (failure && (failure.status === 401 || failure.status === 403) && this.#authId) {
      // Live, /locations answered to query-parameter auth; the header is sent as well.
      res = await this.#http.request({
        method: 'GET',
        path,
        query: {api_key: this.#authId, api_token: this.#apiToken},
        idempotent: true,
        signal: options?.signal,
      })
      failure = replyFailure(res)
    }
    const fetchedAt = this.#clock.now()
    if (failure) throw tensorDockErrorFor(failure, {where, scrub: this.#scrub})
    const page = res.parsed ? parseLocations(res.json, this.#deployment, fetchedAt) : null
    if (!page) throw this.#unreadable(where, res)

    this.lastSearch = {received: page.offers.length + page.skipped, skipped: page.skipped}
    if (page.skipped > 0) {
      this.#logger?.warn({provider: this.name, skipped: page.skipped, problems: page.problems}, 'skipped unreadable TensorDock GPU entries')
    }
    return selectOffers(page.offers, query)
  }

  async createInstance(request: CreateInstanceRequest, options?: CallOptions): Promise<CreatedInstance> {
    const offerProviderId = request.offerProviderId
    const offer = parseOfferKey(offerProviderId)
    if (!offer) throw this.#refused(`"${offerProviderId}" is not a TensorDock offer id (<location uuid>:<v0Name>:<count>)`)
    const nameProblem = checkInstanceName(request.label)
    if (nameProblem) throw this.#refused(nameProblem)
    const checked = checkPublicKeys(request.sshPublicKeys)
    if ('problem' in checked) throw this.#refused(checked.problem)

    const body = buildCreateBody({
      offer,
      name: request.label,
      image: request.image ?? this.#image,
      deployment: {...this.#deployment, storageGb: Math.max(this.#deployment.storageGb, Number.isFinite(request.diskGb) ? Math.ceil(request.diskGb) : 0)},
      sshPublicKeys: checked.keys,
      exposePorts: request.exposePorts ?? [],
    })
    const path = '/api/v2/instances'
    const where = `POST ${path}`
    // Not idempotent: after a 5xx or a timeout the VM may exist, and a repeat could rent a second.
    const res = await this.#createHttp.request({method: 'POST', path, body, idempotent: false, signal: options?.signal})
    const failure = replyFailure(res)
    if (failure) throw tensorDockErrorFor(failure, {where, scrub: this.#scrub, offerProviderId})

    const reply = res.parsed ? tensorDockCreateReplySchema.safeParse(res.json) : null
    const data = reply?.success ? reply.data : null
    const id = (data?.data?.id ?? data?.data?.attributes?.id ?? data?.id ?? '').trim()
    if (!isTensorDockUuid(id)) {
      throw new ProviderUnavailableError(
        this.name,
        `tensordock: ${where} → HTTP ${res.status}: the reply named no instance id; the outcome is unknown (look for the name "${request.label}")`,
        res.status,
      )
    }
    return {providerInstanceId: id}
  }

  /**
   * Its OS images as templates (TensorDock has no templates of its own, so nothing is asked of
   * its API): every image, or the one named; the default image is the recommended one.
   */
  async listTemplates(query: TemplateQuery = {}, _options?: CallOptions): Promise<Template[]> {
    const templates = tensorDockImageTemplates(TENSORDOCK_OS_IMAGES, this.#image, MIN_STORAGE_GB)
    const wanted = query.providerTemplateId?.trim()
    return wanted === undefined ? templates : templates.filter((t) => t.providerTemplateId === wanted)
  }

  async getInstance(providerInstanceId: string, options?: CallOptions): Promise<ProviderInstance | null> {
    const id = this.#instanceId(providerInstanceId)
    const path = `/api/v2/instances/${id}`
    const where = `GET ${path}`
    const res = await this.#http.request({method: 'GET', path, idempotent: true, signal: options?.signal, background: options?.background})
    if (this.#isNotFound(res)) return null
    const failure = replyFailure(res)
    // The same answer inside an HTTP-200 body (`{"status":404,"error":"Instance not found"}`).
    if (failure?.status === 404) return null
    if (failure) throw tensorDockErrorFor(failure, {where, scrub: this.#scrub})
    // Unwrapped live and in the docs; a `{"data":{...}}` wrapper is accepted as well.
    const body = res.json
    const candidate = body !== null && typeof body === 'object' && !Array.isArray(body) && !('id' in body) && 'data' in body
      ? (body as {data: unknown}).data
      : body
    const instance = res.parsed ? parseTensorDockInstance(candidate) : null
    if (!instance) throw this.#unreadable(where, res)
    if (isGoneStatus(instance.status)) return null
    return instanceFromTensorDock(instance)
  }

  async listInstances(filter?: {labelPrefix?: string}, options?: CallOptions): Promise<ProviderInstance[]> {
    const path = '/api/v2/instances'
    const where = `GET ${path}`
    const res = await this.#http.request({method: 'GET', path, idempotent: true, signal: options?.signal})
    const failure = replyFailure(res)
    if (failure) throw tensorDockErrorFor(failure, {where, scrub: this.#scrub})
    const rows = res.parsed ? instanceRows(res.json) : null
    if (!rows) throw this.#unreadable(where, res)

    const out: ProviderInstance[] = []
    let unreadable = 0
    for (const row of rows) {
      const instance = parseTensorDockInstance(row)
      if (!instance) {
        unreadable++
        continue
      }
      if (isGoneStatus(instance.status)) continue
      const normalised = instanceFromTensorDock(instance)
      if (!filter?.labelPrefix || normalised.label?.startsWith(filter.labelPrefix)) out.push(normalised)
    }
    if (unreadable > 0) this.#logger?.warn({provider: this.name, unreadable}, 'skipped unreadable TensorDock instance rows')
    return out
  }

  async destroyInstance(providerInstanceId: string, options?: CallOptions): Promise<void> {
    const id = this.#instanceId(providerInstanceId)
    const path = `/api/v2/instances/${id}`
    const where = `DELETE ${path}`
    const res = await this.#http.request({method: 'DELETE', path, idempotent: true, signal: options?.signal})
    // Orphans found live had already gone: 404 counts as destroyed (providers.md §2.11 item 14).
    if (this.#isNotFound(res)) return
    const failure = replyFailure(res)
    if (failure?.status === 404) return
    if (failure) throw tensorDockErrorFor(failure, {where, scrub: this.#scrub})
    if (res.text.trim() !== '' && !res.parsed) throw this.#unreadable(where, res)
  }

  /**
   * 404 means the instance is gone, unless the body is not an API answer at all (an HTML
   * page from a proxy or a wrong base URL): reading that as "gone" would let us forget a
   * machine that still bills.
   */
  #isNotFound(res: JsonResponse): boolean {
    if (res.status !== 404) return false
    if (res.text.trim() !== '' && !res.parsed) {
      throw new ProviderUnavailableError(this.name, `tensordock: HTTP 404 with a body that is not JSON; is the base URL right? The instance's state is unknown`, 404)
    }
    return true
  }

  #instanceId(providerInstanceId: string): string {
    // It goes into a path: a UUID only, so nothing like `../` or `%2f` can reach the URL.
    if (!isTensorDockUuid(providerInstanceId)) {
      throw new ProviderError(this.name, `"${providerInstanceId}" is not a TensorDock instance id (a UUID)`, false)
    }
    return providerInstanceId
  }

  #refused(reason: string): ProviderError {
    return new ProviderError(this.name, `tensordock: ${reason}; no instance was created`, false)
  }

  #unreadable(where: string, res: JsonResponse): ProviderUnavailableError {
    const what = res.parsed ? 'an unexpected reply shape' : 'a reply that is not JSON'
    return new ProviderUnavailableError(this.name, `tensordock: ${where} → HTTP ${res.status}: ${what}; the outcome is unknown`, res.status)
  }

  readonly #scrub = (text: string): string => this.#http.scrub(text)
}

export function createTensorDockAdapter(options: TensorDockAdapterOptions): TensorDockAdapter {
  return new TensorDockAdapter(options)
}

/**
 * The rows of a list reply. Documented: `{"data":{"instances":[...]}}`; seen live as well:
 * `{"data":[...]}`. null for anything else.
 */
export function instanceRows(body: unknown): unknown[] | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null
  const data = (body as Record<string, unknown>).data
  if (Array.isArray(data)) return data
  if (data !== null && typeof data === 'object') {
    const instances = (data as Record<string, unknown>).instances
    if (Array.isArray(instances)) return instances
    // An empty account may say `"instances": null`. Any other shape is unreadable, never
    // "no instances": that answer would hide machines that bill.
    if (instances === null) return []
  }
  return null
}
