import {systemClock, type Clock} from '../../core/clock.js'
import type {InventoryQuery} from '../../core/inventory-query.js'
import {asMicroUsd, ceilMicroUsd} from '../../core/money.js'
import {DEFAULT_DISK_GB} from '../../core/limits.js'
import type {Offer} from '../../core/offer.js'
import type {Template} from '../../core/template.js'
import {
  InstanceSetupError,
  InsufficientCreditError,
  ProviderError,
  ProviderUnavailableError,
  StaleInventoryError,
} from '../errors.js'
import {JsonHttpClient, providerMessage, type JsonRequest, type JsonResponse} from '../http/json-http-client.js'
import {realSleep, type Sleep} from '../http/sleep.js'
import {TokenBucket, type RateLimit} from '../http/token-bucket.js'
import type {
  AdapterLogger,
  CallOptions,
  CreatedInstance,
  CreateInstanceRequest,
  ProviderAdapter,
  ProviderCapabilities,
  ProviderCharge,
  ProviderInstance,
  TemplateQuery,
} from '../provider.js'

import {errorCode, isInsufficientCredit, isVastAuthFailure, vastErrorFor} from './vastai-errors.js'
import {instanceFromVast, parseVastInstance} from './vastai-instance.js'
import {parseOfferPage} from './vastai-offer.js'
import {selectOffers} from '../offer-selection.js'
import type {MarketStream} from '../market-stream.js'
import {buildVastQuery} from './vastai-query.js'
import {parseTemplatePage, VAST_TEMPLATE_HASH} from './vastai-template.js'
import {vastChargesPageSchema, vastCreateReplySchema, vastInstanceListSchema, vastInstanceReplySchema, vastResultSchema} from './vastai-wire.js'

export interface VastAiAdapterOptions {
  /** The host root (`https://console.vast.ai`); paths start with `/api/v0` or `/api/v1`. */
  baseUrl: string
  apiKey: string
  clock?: Clock
  sleep?: Sleep
  /** Client-side pacing; live, 1 request/s with a burst of 2 kept Vast's 429s away. */
  rateLimit?: RateLimit
  /** Per attempt. */
  timeoutMs?: number
  defaultImage?: string
  /** Offers fetched when a query sets no limit. */
  searchLimit?: number
  /** GB Vast prices into offer `dph_total`: the disk a default session rents unless set. */
  allocatedStorageGb?: number
  /** Waits before retries 1..n; tests shorten it. Default 1 s, 2 s, 4 s. */
  retryBackoffMs?: readonly number[]
  logger?: AdapterLogger
}

export const DEFAULT_VAST_IMAGE = 'nvidia/cuda:12.6.3-runtime-ubuntu22.04'
const DEFAULT_RATE_LIMIT: RateLimit = {perSecond: 1, burst: 2}
const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_SEARCH_LIMIT = 1000
/** v1 list pages hold at most 25 rows. */
const LIST_PAGE_SIZE = 25
/** A runaway cursor must not loop forever: 25 × 400 is far beyond any real account. */
const MAX_LIST_PAGES = 400
/** vast.py asks for SSH with direct ports, falling back to the proxy. */
const RUNTYPE = 'ssh_direc ssh_proxy'
const NUMERIC_ID = /^\d{1,18}$/
/** The charges endpoint serves at most 100 rows a page. */
const CHARGES_PAGE_SIZE = 100
const DAY_MS = 86_400_000

export interface SearchStats {
  received: number
  skipped: number
}

export class VastAiAdapter implements ProviderAdapter {
  readonly name = 'vastai' as const
  readonly capabilities: ProviderCapabilities
  /** What the last search read; `skipped` offers could not be parsed. */
  lastSearch: SearchStats | null = null

  readonly #http: JsonHttpClient
  readonly #clock: Clock
  readonly #defaultImage: string
  readonly #searchLimit: number
  readonly #allocatedStorageGb: number
  readonly #logger: AdapterLogger | undefined

  constructor(options: VastAiAdapterOptions) {
    if (!options.apiKey) throw new Error('a Vast.ai API key is required (VASTAI_API_KEY)')
    this.#clock = options.clock ?? systemClock
    const sleep = options.sleep ?? realSleep
    this.#defaultImage = options.defaultImage ?? DEFAULT_VAST_IMAGE
    this.capabilities = {
      serverSideFilters: true,
      attachSshKeyAfterCreate: true,
      singleUseOffers: true,
      resumableCreate: false,
      launch: {images: {kind: 'container', default: this.#defaultImage}, exposePorts: true},
    }
    this.#searchLimit = options.searchLimit ?? DEFAULT_SEARCH_LIMIT
    this.#allocatedStorageGb = options.allocatedStorageGb ?? DEFAULT_DISK_GB
    this.#logger = options.logger
    this.#http = new JsonHttpClient({
      provider: this.name,
      baseUrl: options.baseUrl,
      headers: {authorization: `Bearer ${options.apiKey}`},
      secrets: [options.apiKey],
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      limiter: new TokenBucket(options.rateLimit ?? DEFAULT_RATE_LIMIT, this.#clock, sleep),
      clock: this.#clock,
      sleep,
      backoffMs: options.retryBackoffMs,
    })
  }

  async searchOffers(query: InventoryQuery, options?: CallOptions): Promise<Offer[]> {
    const where = 'POST /api/v0/bundles/'
    const body = buildVastQuery(query, {defaultLimit: this.#searchLimit, allocatedStorageGb: this.#allocatedStorageGb})
    const res = await this.#call({method: 'POST', path: '/api/v0/bundles/', body, idempotent: true, signal: options?.signal})
    const fetchedAt = this.#clock.now()
    if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
    const page = res.parsed ? parseOfferPage(res.json, fetchedAt, this.#allocatedStorageGb) : null
    if (!page) throw this.#unreadable(where, res)

    this.lastSearch = {received: page.offers.length + page.skipped, skipped: page.skipped}
    if (page.skipped > 0) {
      this.#logger?.warn({provider: this.name, skipped: page.skipped, problems: page.problems}, 'skipped unreadable Vast.ai offers')
    }
    return selectOffers(page.offers, query)
  }

  /** The whole market (up to `limit` offers), cheapest first, as it downloads. */
  async streamMarket(limit: number, options?: CallOptions): Promise<MarketStream> {
    const where = 'POST /api/v0/bundles/'
    const body = buildVastQuery({limit}, {defaultLimit: this.#searchLimit, allocatedStorageGb: this.#allocatedStorageGb})
    const res = await this.#http.stream({method: 'POST', path: '/api/v0/bundles/', body, idempotent: true, signal: options?.signal})
    const fetchedAt = this.#clock.now()
    if (res.body === null) {
      if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
      throw this.#unreadable(where, res)
    }
    const stream = res.body
    return {
      format: 'vastai-bundles',
      decoderOptions: {fetchedAt, allocatedStorageGb: this.#allocatedStorageGb},
      body: stream,
      cancel: () => stream.cancel().catch(() => {}),
    }
  }

  async createInstance(request: CreateInstanceRequest, options?: CallOptions): Promise<CreatedInstance> {
    const askId = request.offerProviderId
    if (!NUMERIC_ID.test(askId)) {
      throw new ProviderError(this.name, `"${askId}" is not a Vast.ai offer id; no instance was created`, false)
    }
    const keys = request.sshPublicKeys.map((k) => k.trim())
    const badKey = keys.find((k) => !/^(ssh-|ecdsa-|sk-)/.test(k) || /PRIVATE KEY/.test(k))
    if (badKey !== undefined) {
      throw new ProviderError(this.name, 'an SSH key is not an OpenSSH public key line; no instance was created', false)
    }

    const where = `PUT /api/v0/asks/${askId}/`
    const res = await this.#call({
      method: 'PUT',
      path: `/api/v0/asks/${askId}/`,
      body: this.#createBody(request),
      idempotent: false,
      signal: options?.signal,
    })
    const instanceId = this.#createdInstanceId(res, askId, where)
    await this.#attachKeys(instanceId, keys, options)
    return {providerInstanceId: instanceId}
  }

  async getInstance(providerInstanceId: string, options?: CallOptions): Promise<ProviderInstance | null> {
    const id = this.#instanceId(providerInstanceId)
    const path = `/api/v0/instances/${id}/`
    const where = `GET ${path}`
    const requestedAt = this.#clock.now()
    const res = await this.#call({method: 'GET', path, query: {owner: 'me'}, idempotent: true, signal: options?.signal, background: options?.background})
    if (res.status === 404 && !isVastAuthFailure(res)) return null
    if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
    const reply = res.parsed ? vastInstanceReplySchema.safeParse(res.json) : null
    if (!reply?.success || !('instances' in (res.json as object))) throw this.#unreadable(where, res)

    // Gone instances answer HTTP 200 `{"instances": null}`.
    const found = reply.data.instances
    if (found === null || found === undefined) return null
    const row = Array.isArray(found) ? found.find((r) => sameId(r, id)) : found
    if (row === undefined) return null
    const instance = parseVastInstance(row)
    if (!instance) throw this.#unreadable(where, res)
    return instanceFromVast(instance, requestedAt)
  }

  async listInstances(filter?: {labelPrefix?: string}, options?: CallOptions): Promise<ProviderInstance[]> {
    const where = 'GET /api/v1/instances/'
    const out: ProviderInstance[] = []
    const seenTokens = new Set<string>()
    let afterToken: string | null = null
    let unreadable = 0
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query: Record<string, string> = {
        select_filters: '{}',
        order_by: JSON.stringify([{col: 'id', dir: 'asc'}]),
        limit: String(LIST_PAGE_SIZE),
      }
      if (afterToken !== null) query.after_token = afterToken
      const requestedAt = this.#clock.now()
      const res = await this.#call({method: 'GET', path: '/api/v1/instances/', query, idempotent: true, signal: options?.signal})
      if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
      const reply = res.parsed ? vastInstanceListSchema.safeParse(res.json) : null
      if (!reply?.success) throw this.#unreadable(where, res)

      for (const row of reply.data.instances ?? []) {
        const instance = parseVastInstance(row)
        if (!instance) {
          unreadable++
          continue
        }
        const normalised = instanceFromVast(instance, requestedAt)
        if (!filter?.labelPrefix || normalised.label?.startsWith(filter.labelPrefix)) out.push(normalised)
      }
      const next = reply.data.next_token
      if (!next || seenTokens.has(next)) break
      seenTokens.add(next)
      afterToken = next
    }
    if (unreadable > 0) this.#logger?.warn({provider: this.name, unreadable}, 'skipped unreadable Vast.ai instance rows')
    return out
  }

  async destroyInstance(providerInstanceId: string, options?: CallOptions): Promise<void> {
    const id = this.#instanceId(providerInstanceId)
    const path = `/api/v0/instances/${id}/`
    const where = `DELETE ${path}`
    const res = await this.#call({method: 'DELETE', path, body: {}, idempotent: true, signal: options?.signal})
    // Already gone counts as destroyed: `no_such_instance` (any status) or 404 `not_found`.
    if (res.text.includes('no_such_instance')) return
    if (res.status === 404 && !isVastAuthFailure(res)) return
    if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
    if (res.text.trim() === '') return
    const reply = res.parsed ? vastResultSchema.safeParse(res.json) : null
    if (!reply?.success) throw this.#unreadable(where, res)
    if (reply.data.success === false) throw vastErrorFor(res, where, this.#scrub)
  }

  /** `PUT /instances/{id}/ {"state": "stopped"}`: the container stops, its disk bills on (providers.md §1.5). */
  async stopInstance(providerInstanceId: string, options?: CallOptions): Promise<void> {
    await this.#setState(providerInstanceId, 'stopped', options)
  }

  /** `PUT /instances/{id}/ {"state": "running"}`: the stopped container starts again. */
  async startInstance(providerInstanceId: string, options?: CallOptions): Promise<void> {
    await this.#setState(providerInstanceId, 'running', options)
  }

  async #setState(providerInstanceId: string, state: 'running' | 'stopped', options?: CallOptions): Promise<void> {
    const id = this.#instanceId(providerInstanceId)
    const path = `/api/v0/instances/${id}/`
    const where = `PUT ${path}`
    // Setting a state twice leaves it so: safe to repeat after an unknown outcome.
    const res = await this.#call({method: 'PUT', path, body: {state}, idempotent: true, signal: options?.signal})
    if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
    const reply = res.parsed ? vastResultSchema.safeParse(res.json) : null
    if (!reply?.success) throw this.#unreadable(where, res)
    if (reply.data.success === false) throw vastErrorFor(res, where, this.#scrub)
  }

  /**
   * The instance's charges from Vast's billing records (`GET /api/v0/charges/`, what `vastai
   * show invoices-v1 --charges` reads): rows per instance and day, `source` naming the instance.
   * Null while the records end before the instance did (they can lag the destroy).
   */
  async instanceCharge(providerInstanceId: string, span: {createdAt: number; endedAt: number}, options?: CallOptions): Promise<ProviderCharge | null> {
    const id = this.#instanceId(providerInstanceId)
    const where = 'GET /api/v0/charges/'
    const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * (DAY_MS / 1000)
    const baseQuery = {
      select_filters: JSON.stringify({day: {gte: dayStart(span.createdAt), lte: dayStart(span.endedAt)}, type: {in: ['instance']}}),
      latest_first: 'false',
      limit: String(CHARGES_PAGE_SIZE),
      format: 'table',
    }
    let total = 0n
    let coveredUntil: number | null = null
    let afterToken: string | null = null
    const seenTokens = new Set<string>()
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const query: Record<string, string> = afterToken === null ? baseQuery : {...baseQuery, after_token: afterToken}
      const res = await this.#call({method: 'GET', path: '/api/v0/charges/', query, idempotent: true, signal: options?.signal})
      if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
      const reply = res.parsed ? vastChargesPageSchema.safeParse(res.json) : null
      if (!reply?.success) throw this.#unreadable(where, res)
      for (const row of reply.data.results) {
        if (row.source !== `instance-${id}`) continue
        total += BigInt(ceilMicroUsd(row.amount))
        const end = Math.round(row.end * 1000)
        coveredUntil = coveredUntil === null ? end : Math.max(coveredUntil, end)
      }
      const next = reply.data.next_token
      if (!next || seenTokens.has(next)) break
      seenTokens.add(next)
      afterToken = next
    }
    if (coveredUntil === null || coveredUntil < span.endedAt) return null
    return {amount: asMicroUsd(total), coveredUntil}
  }

  /**
   * Templates from `GET /api/v0/template/`, filtered server-side by `select_filters` in the
   * offer query language: the recommended ones (`{"recommended":{"eq":true}}`, as
   * cloud-gpu-shopper asks), or the one with a hash_id, recommended or not.
   */
  async listTemplates(query: TemplateQuery = {}, options?: CallOptions): Promise<Template[]> {
    const where = 'GET /api/v0/template/'
    const hashId = query.providerTemplateId?.trim().toLowerCase()
    // Not a hash_id: no Vast.ai template has it, and nothing is sent.
    if (hashId !== undefined && !VAST_TEMPLATE_HASH.test(hashId)) return []
    const filters = hashId === undefined ? {recommended: {eq: true}} : {hash_id: {eq: hashId}}
    const res = await this.#call({method: 'GET', path: '/api/v0/template/', query: {select_filters: JSON.stringify(filters)}, idempotent: true, signal: options?.signal})
    if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
    const page = res.parsed ? parseTemplatePage(res.json) : null
    if (!page) throw this.#unreadable(where, res)
    if (page.skipped > 0) this.#logger?.warn({provider: this.name, skipped: page.skipped}, 'skipped unreadable Vast.ai template rows')
    // The filter is the server's to apply; keep the answer right should it ignore it.
    return page.templates.filter((t) => (hashId === undefined ? t.recommended : t.providerTemplateId === hashId))
  }

  #createBody(request: CreateInstanceRequest): Record<string, unknown> {
    const templateHashId = request.templateHashId ?? null
    // With a template and no image, the template's image applies.
    const image = request.image ?? (templateHashId ? null : this.#defaultImage)
    return {
      client_id: 'me',
      image,
      // Published ports travel as env keys (providers.md §1.6), as vast.py's `--env '-p 8000:8000'` sends them.
      env: Object.fromEntries((request.exposePorts ?? []).map((port) => [`-p ${port}:${port}`, '1'])),
      price: null,
      disk: request.diskGb,
      label: request.label,
      extra: null,
      onstart: null,
      image_login: null,
      python_utf8: false,
      lang_utf8: false,
      use_jupyter_lab: false,
      jupyter_dir: null,
      force: false,
      cancel_unavail: false,
      template_hash_id: templateHashId,
      user: null,
      runtype: RUNTYPE,
    }
  }

  /** Reads the create reply; throws what the caller can act on. */
  #createdInstanceId(res: JsonResponse, askId: string, where: string): string {
    // Match the text, not the status: live this came as 400, the docs say 404, with cancel_unavail 410.
    if (res.text.includes('no_such_ask')) {
      const message = this.#scrub(providerMessage(res) ?? 'no_such_ask')
      throw new StaleInventoryError(this.name, askId, `vastai: offer ${askId} is no longer available (${message}); no instance was created`)
    }
    const reply = res.parsed ? vastCreateReplySchema.safeParse(res.json) : null
    const data = reply?.success ? reply.data : null
    const contract = data?.new_contract
    if (contract !== null && contract !== undefined && Number.isInteger(contract) && contract > 0) {
      // `success:false` with a contract (an under-bid spot create): the instance exists and bills.
      if (data?.success === false) {
        this.#logger?.warn({provider: this.name, instanceId: contract, msg: data.msg ?? null}, 'Vast.ai created an instance but reported failure')
      }
      return String(contract)
    }
    if (res.status >= 400) throw vastErrorFor(res, where, this.#scrub)
    if (!reply?.success) throw this.#unreadable(where, res)
    if (reply.data.success === false) {
      const message = this.#scrub(providerMessage(res) ?? errorCode(res) ?? 'no message')
      if (isInsufficientCredit(res)) throw new InsufficientCreditError(this.name, `vastai: ${where}: ${message}`)
      throw new ProviderError(this.name, `vastai: ${where} → HTTP ${res.status}: ${message}; no instance was created`, false, res.status)
    }
    throw new ProviderUnavailableError(this.name, `vastai: ${where}: the reply named no instance; the outcome is unknown`, res.status)
  }

  async attachSshKeys(providerInstanceId: string, publicKeys: string[], options?: CallOptions): Promise<void> {
    await this.#attachKeys(this.#instanceId(providerInstanceId), publicKeys.map((k) => k.trim()), options)
  }

  async #attachKeys(instanceId: string, keys: string[], options?: CallOptions): Promise<void> {
    for (const key of keys) {
      const path = `/api/v0/instances/${instanceId}/ssh/`
      try {
        // Attaching the same key twice is harmless, so this call may be retried.
        const res = await this.#call({method: 'POST', path, body: {ssh_key: key}, idempotent: true, signal: options?.signal})
        if (res.status >= 400) throw vastErrorFor(res, `POST ${path}`, this.#scrub)
        const reply = res.parsed ? vastResultSchema.safeParse(res.json) : null
        if (reply && reply.success && reply.data.success === false) throw vastErrorFor(res, `POST ${path}`, this.#scrub)
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err)
        throw new InstanceSetupError(
          this.name,
          instanceId,
          `vastai: instance ${instanceId} was created (and bills) but attaching an SSH key failed: ${reason}`,
          err,
        )
      }
    }
  }

  #instanceId(providerInstanceId: string): string {
    if (!NUMERIC_ID.test(providerInstanceId)) {
      throw new ProviderError(this.name, `"${providerInstanceId}" is not a Vast.ai instance id`, false)
    }
    return providerInstanceId
  }

  #call(req: JsonRequest): Promise<JsonResponse> {
    return this.#http.request(req)
  }

  #unreadable(where: string, res: JsonResponse): ProviderUnavailableError {
    const what = res.parsed ? 'an unexpected reply shape' : 'a reply that is not JSON'
    return new ProviderUnavailableError(this.name, `vastai: ${where} → HTTP ${res.status}: ${what}; the outcome is unknown`, res.status)
  }

  readonly #scrub = (text: string): string => this.#http.scrub(text)
}

export function createVastAiAdapter(options: VastAiAdapterOptions): VastAiAdapter {
  return new VastAiAdapter(options)
}

function sameId(row: unknown, id: string): boolean {
  return row !== null && typeof row === 'object' && String((row as Record<string, unknown>).id) === id
}
