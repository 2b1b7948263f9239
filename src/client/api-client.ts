import {setTimeout as delay} from 'node:timers/promises'

// Types only: the contract's zod schemas stay out of the CLI process (zod costs ~60 ms to load).
import type {DiagnosticsReply} from '../core/api/diagnostics.js'
import type {CostSummaryReply, CostsParams, CostsReply, SessionCostReply} from '../core/api/costs.js'
import type {AllocationDto, AllocationsReply, CreateAllocationBody} from '../core/api/allocations.js'
import type {AuditParams, AuditReply} from '../core/api/audit.js'
import type {WhoAmIReply} from '../core/api/auth.js'
import type {BudgetBody, BudgetDto, BudgetsReply} from '../core/api/budgets.js'
import type {CatalogParams, CatalogReply} from '../core/api/catalog.js'
import type {TemplateReply, TemplatesParams, TemplatesReply} from '../core/api/templates.js'
import type {HealthReply} from '../core/api/health.js'
import type {HistoryParams, HistoryReply, InventoryParams, InventoryReply, OfferReply} from '../core/api/inventory.js'
import type {OfferHealthParams, OfferHealthReply} from '../core/api/offer-health.js'
import type {
  CreateSessionBody,
  CreateSessionReply,
  EventsReply,
  ExtendReply,
  SessionDto,
  SessionEventDto,
  SessionsParams,
  SessionsReply,
} from '../core/api/sessions.js'
import type {MessageReply} from '../core/api/common.js'
import type {ReconcileReply} from '../core/api/reconcile.js'
import type {SshKeyBody, SshKeyDto, SshKeysReply} from '../core/api/ssh-keys.js'
import type {NodeBody, NodeDto, NodeRemovedReply, NodesReply} from '../core/api/nodes.js'
import type {TerminalTokenReply} from '../core/api/terminal.js'

import {parseRetryAfterMs} from '../core/retry-after.js'
import {ApiError, DaemonUnreachableError, StreamUnavailableError} from './errors.js'
import {httpFetch, type HttpFetch, type HttpResponse} from './http-transport.js'
import {
  DEFAULT_RATE_LIMIT_RETRY,
  type NoticeSink,
  nextRateLimitStep,
  rateLimitGiveUp,
  rateLimitNotice,
  type RateLimitRetryPolicy,
} from './rate-limit-retry.js'
import {parseSse} from './sse.js'

export interface ApiClientOptions {
  baseUrl: string
  token?: string | null
  /** Per-request deadline; a local daemon answers in milliseconds, so 15 s means it is stuck. */
  timeoutMs?: number
  /** What to tell the user when nothing answers; differs for the local daemon and a team server. */
  unreachableFix?: string
  fetch?: HttpFetch
  /** Where the client says it is waiting out a server's rate limit: stderr unless the caller (the dashboard) shows it itself. */
  notice?: NoticeSink
  /** How many times and how long in all a 429 is waited out before the error reaches the caller. */
  rateLimitRetry?: RateLimitRetryPolicy
  /** Injected by tests: how the client waits, and the time `Retry-After` dates are read against. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  now?: () => number
}

export interface RequestOptions {
  signal?: AbortSignal
  timeoutMs?: number
}

export interface CreateOptions extends RequestOptions {
  /** Sent as `X-Idempotency-Key`: a repeat with the same key returns the first result. */
  idempotencyKey: string
}

export interface StreamOptions {
  signal?: AbortSignal
  /** Resume after this event id (sent as `Last-Event-ID`). */
  lastEventId?: number
  /** Deadline for the stream to open; the stream itself may then stay open indefinitely. */
  connectTimeoutMs?: number
}

export interface ReleaseOptions extends RequestOptions {
  /** Optional for a release: releasing twice is harmless, but a key makes the repeat return the first reply. */
  idempotencyKey?: string
}

export interface IdempotentOptions extends RequestOptions {
  /** Sent as `X-Idempotency-Key`: a repeat with the same key returns the first reply; another request with it gets 409. */
  idempotencyKey?: string
}

/** The ledger export's filters (`GET /api/v1/costs/export`); CSV is the only format. */
export interface CostsExportParams {
  format?: 'csv'
  consumer_id?: string
  session_id?: string
  start_date?: string
  end_date?: string
}

/** The allocation statuses a list can filter on (the quick start's vocabulary). */
export interface AllocationsParams {
  consumer_id?: string
  status?: string
}

/** Query parameters as the user gives them: numbers stay numbers until they hit the URL. */
type Query<T> = {[K in keyof T]?: T[K] | string | number | undefined}

export interface ApiClient {
  readonly baseUrl: string
  /** The same client, telling `notice` instead of stderr when it waits out a rate limit (the dashboard's status line). */
  withNotices(notice: NoticeSink): ApiClient
  health(options?: RequestOptions): Promise<HealthReply>
  /** Who the server takes the caller for (user, tenant, role). */
  whoami(options?: RequestOptions): Promise<WhoAmIReply>
  /** Compares the providers' instances with the sessions: orphans, ghosts, adoptions. */
  reconcile(body?: {dry_run?: boolean}, options?: RequestOptions): Promise<ReconcileReply>
  /** Per-consumer monthly budgets. */
  budgets: {
    set(consumerId: string, body: BudgetBody, options?: RequestOptions): Promise<BudgetDto>
    get(consumerId: string, options?: RequestOptions): Promise<BudgetDto>
    remove(consumerId: string, options?: RequestOptions): Promise<{message: string; simulated: boolean}>
    list(options?: RequestOptions): Promise<BudgetsReply>
  }
  inventory: {
    list(params?: Query<InventoryParams>, options?: RequestOptions): Promise<InventoryReply>
    get(offerId: string, options?: RequestOptions): Promise<OfferReply>
    history(params: Query<HistoryParams> & {gpu_type: string}, options?: RequestOptions): Promise<HistoryReply>
    /** How provisioning went on each machine lately (GET /offer-health). */
    health(params?: Query<OfferHealthParams>, options?: RequestOptions): Promise<OfferHealthReply>
  }
  catalog: {
    list(params?: Query<CatalogParams>, options?: RequestOptions): Promise<CatalogReply>
  }
  /** The providers' templates (Vast.ai templates, TensorDock's OS images). */
  templates: {
    list(params?: Query<TemplatesParams>, options?: RequestOptions): Promise<TemplatesReply>
    /** Any template by id, listed or not; 404 when no configured provider has it. */
    get(templateId: string, options?: RequestOptions): Promise<TemplateReply>
  }
  /** The quick start's allocations: sessions created from a spec; ids are session ids. */
  allocations: {
    create(body: CreateAllocationBody, options: CreateOptions): Promise<AllocationDto>
    list(params?: AllocationsParams, options?: RequestOptions): Promise<AllocationsReply>
    get(allocationId: string, options?: RequestOptions): Promise<AllocationDto>
    release(allocationId: string, options?: ReleaseOptions): Promise<AllocationDto>
    /** A single-use browser-terminal ticket; 409 while the allocation is not active. */
    terminalToken(allocationId: string, options?: RequestOptions): Promise<TerminalTokenReply>
  }
  /** The quick start's registry of public keys (`iam ssh-keys`). */
  sshKeys: {
    /** 409 with `existing_id` when the same key is registered already. */
    add(body: SshKeyBody, options?: RequestOptions): Promise<SshKeyDto>
    list(options?: RequestOptions): Promise<SshKeysReply>
    remove(keyId: string, options?: RequestOptions): Promise<unknown>
  }
  /** The tenant's audit log (admins); oldest first after `after`. */
  audit(params?: Query<AuditParams>, options?: RequestOptions): Promise<AuditReply>
  /** Self-hosted nodes. Adding and checking connect to the node over SSH: as slow as a create. */
  nodes: {
    add(body: NodeBody, options?: RequestOptions): Promise<NodeDto>
    list(options?: RequestOptions): Promise<NodesReply>
    get(name: string, options?: RequestOptions): Promise<NodeDto>
    check(name: string, options?: RequestOptions): Promise<NodeDto>
    trustHostKey(name: string, hostKey: string, options?: RequestOptions): Promise<NodeDto>
    remove(name: string, options?: RequestOptions): Promise<NodeRemovedReply>
  }
  sessions: {
    create(body: CreateSessionBody, options: CreateOptions): Promise<CreateSessionReply>
    list(params?: Query<SessionsParams>, options?: RequestOptions): Promise<SessionsReply>
    get(sessionId: string, options?: RequestOptions): Promise<SessionDto>
    done(sessionId: string, options?: IdempotentOptions): Promise<MessageReply>
    extend(sessionId: string, additionalHours: number, options?: IdempotentOptions): Promise<ExtendReply>
    shutdown(sessionId: string, options?: IdempotentOptions): Promise<MessageReply>
    /** What is going on on the instance, read over SSH and from the provider. */
    diagnostics(sessionId: string, options?: RequestOptions): Promise<DiagnosticsReply>
    /** Starts a preserved session again; 409 unless it is preserved. */
    resume(sessionId: string, options?: RequestOptions): Promise<SessionDto>
    events(sessionId: string, after?: number, options?: RequestOptions): Promise<EventsReply>
    streamEvents(sessionId: string, options?: StreamOptions): AsyncGenerator<SessionEventDto>
    /** A single-use browser-terminal ticket; 409 while the session is not running. */
    terminalToken(sessionId: string, options?: RequestOptions): Promise<TerminalTokenReply>
  }
  costs: {
    get(params: Query<CostsParams> & {session_id: string}, options?: RequestOptions): Promise<SessionCostReply>
    get(params?: Query<CostsParams>, options?: RequestOptions): Promise<CostsReply>
    summary(params?: {consumer_id?: string}, options?: RequestOptions): Promise<CostSummaryReply>
    /** The ledger as RFC 4180 CSV text (CRLF lines, a header line first). */
    exportCsv(params?: CostsExportParams, options?: RequestOptions): Promise<string>
  }
}

const DEFAULT_TIMEOUT_MS = 15_000
// Creating a session reserves a provider instance; the daemon may take a while to answer.
const CREATE_TIMEOUT_MS = 60_000
// Reconcile lists every provider's instances and may destroy orphans one by one: slower than a read.
const RECONCILE_TIMEOUT_MS = 120_000
const DEFAULT_UNREACHABLE_FIX = 'Start it with `gpu-shopper daemon start`, or check --server / GPU_SHOPPER_SERVER.'

interface Call {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  query?: Record<string, unknown>
  body?: unknown
  headers?: Record<string, string>
  options?: RequestOptions
}

export function createApiClient(clientOptions: ApiClientOptions): ApiClient {
  const baseUrl = clientOptions.baseUrl.replace(/\/+$/, '')
  const fetchImpl = clientOptions.fetch ?? httpFetch
  const defaultTimeout = clientOptions.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const unreachableFix = clientOptions.unreachableFix ?? DEFAULT_UNREACHABLE_FIX
  const notice = clientOptions.notice ?? stderrNotice
  const retryPolicy = clientOptions.rateLimitRetry ?? DEFAULT_RATE_LIMIT_RETRY
  const sleep = clientOptions.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, {signal}))
  const now = clientOptions.now ?? Date.now

  const headersFor = (extra: Record<string, string> = {}): Record<string, string> => {
    const headers: Record<string, string> = {accept: 'application/json', ...extra}
    if (clientOptions.token) headers.authorization = `Bearer ${clientOptions.token}`
    return headers
  }

  async function call<T>(request: Call): Promise<T> {
    return readReply<T>(await send(request), now())
  }

  /** A non-JSON reply (the CSV export): the body as text on success, the usual ApiError otherwise. */
  async function callText(request: Call): Promise<string> {
    const response = await send(request)
    if (!response.ok) return readReply<never>(response, now())
    return response.text()
  }

  /**
   * Sends `attempt` again after each 429, as long as the server asks for, within the policy's
   * bounds, saying so each time. A 429 means the server did nothing, so every method may be
   * replayed (a create keeps its idempotency key, which would cover a replay anyway).
   */
  async function waitingOutRateLimits(attempt: () => Promise<HttpResponse>, userSignal: AbortSignal | undefined): Promise<HttpResponse> {
    let waitedMs = 0
    for (let retries = 0; ; retries++) {
      const response = await attempt()
      if (response.status !== 429) return response
      const nowMs = now()
      const step = nextRateLimitStep(response.headers.get('retry-after'), {retriesSoFar: retries, waitedMs, nowMs}, retryPolicy)
      if (!step.retry) throw await rateLimitError(response, {waitMs: step.waitMs, retries, nowMs})
      // Read to the end, so the connection is free for the replay.
      await response.text().catch(() => '')
      notice({text: rateLimitNotice(baseUrl, step.waitMs, retries + 1, retryPolicy), waitMs: step.waitMs})
      try {
        await sleep(step.waitMs, userSignal)
      } catch (err) {
        if (userSignal?.aborted) throw abortError()
        throw err
      }
      waitedMs += step.waitMs
    }
  }

  async function rateLimitError(response: HttpResponse, step: {waitMs: number; retries: number; nowMs: number}): Promise<ApiError> {
    const reply = await readReply<never>(response, step.nowMs).catch((err: unknown) => err)
    const base = reply instanceof ApiError ? reply : null
    const said = rateLimitGiveUp(baseUrl, step)
    return new ApiError({
      status: response.status,
      errorType: 'rate_limit_exceeded',
      message: said.message,
      requestId: base?.requestId,
      details: base?.details,
      retryAfterSeconds: said.retryAfterSeconds,
      fix: said.fix,
    })
  }

  async function send({method, path, query, body, headers, options}: Call): Promise<HttpResponse> {
    const url = buildUrl(baseUrl, path, query)
    const timeoutMs = options?.timeoutMs ?? defaultTimeout
    const json = body === undefined ? undefined : JSON.stringify(body)
    // Each attempt gets the whole deadline: time spent waiting out a 429 is not the server being slow.
    const attempt = async () => {
      const signals = [AbortSignal.timeout(timeoutMs)]
      if (options?.signal) signals.push(options.signal)
      const init: {method: string; headers: Record<string, string>; body?: string; signal: AbortSignal} = {
        method,
        headers: headersFor(headers),
        signal: AbortSignal.any(signals),
      }
      if (json !== undefined) {
        init.body = json
        init.headers['content-type'] = 'application/json'
      }
      try {
        return await fetchImpl(url, init)
      } catch (err) {
        throw transportError(err, {baseUrl, method, timeoutMs, unreachableFix, userSignal: options?.signal})
      }
    }
    return waitingOutRateLimits(attempt, options?.signal)
  }

  async function* streamEvents(sessionId: string, options: StreamOptions = {}): AsyncGenerator<SessionEventDto> {
    const connectTimeout = options.connectTimeoutMs ?? defaultTimeout
    const extra: Record<string, string> = {accept: 'text/event-stream'}
    if (options.lastEventId !== undefined) extra['last-event-id'] = String(options.lastEventId)
    // Only the connect is replayed after a 429: once the stream is open, events already yielded
    // cannot be taken back, and the caller resumes with Last-Event-ID itself.
    const attempt = async () => {
      // Aborts only the connect: the open stream may then stay open indefinitely.
      const connect = new AbortController()
      const timer = setTimeout(() => connect.abort(new DOMException('stream did not open in time', 'TimeoutError')), connectTimeout)
      const signals = [connect.signal]
      if (options.signal) signals.push(options.signal)
      try {
        return await fetchImpl(buildUrl(baseUrl, `/api/v1/sessions/${encodeURIComponent(sessionId)}/events`), {
          method: 'GET',
          headers: headersFor(extra),
          signal: AbortSignal.any(signals),
        })
      } catch (err) {
        throw transportError(err, {baseUrl, method: 'GET', timeoutMs: connectTimeout, unreachableFix, userSignal: options.signal})
      } finally {
        clearTimeout(timer)
      }
    }
    const response = await waitingOutRateLimits(attempt, options.signal)
    if (!response.ok) await readReply(response, now())
    const type = response.headers.get('content-type') ?? ''
    if (!type.includes('text/event-stream') || !response.body) {
      await response.body?.cancel().catch(() => {})
      throw new StreamUnavailableError(`the server sent ${type || 'no content type'} instead of an event stream`)
    }
    try {
      for await (const message of parseSse(response.body as unknown as AsyncIterable<Uint8Array>)) {
        if (message.event !== 'session-event' && message.event !== 'message') continue
        yield JSON.parse(message.data) as SessionEventDto
      }
    } catch (err) {
      if (options.signal?.aborted) throw abortError()
      throw transportError(err, {baseUrl, method: 'GET', timeoutMs: connectTimeout, unreachableFix, userSignal: options.signal})
    } finally {
      // Leaving the loop early (a break in the caller) must close the socket.
      await response.body.cancel().catch(() => {})
    }
  }

  const sessionPath = (id: string, suffix = '') => `/api/v1/sessions/${encodeURIComponent(id)}${suffix}`
  const allocationPath = (id: string, suffix = '') => `/api/v1/allocations/${encodeURIComponent(id)}${suffix}`
  const nodePath = (name: string, suffix = '') => `/api/v1/nodes/${encodeURIComponent(name)}${suffix}`
  const idempotencyHeader = (key: string | undefined) => (key ? {'x-idempotency-key': key} : undefined)
  const budgetPath = (consumerId: string) => `/api/v1/consumers/${encodeURIComponent(consumerId)}/budget`

  return {
    baseUrl,
    withNotices: (sink) => createApiClient({...clientOptions, notice: sink}),
    health: (options) => call({method: 'GET', path: '/health', options}),
    whoami: (options) => call({method: 'GET', path: '/api/v1/auth/whoami', options}),
    reconcile: (body, options) =>
      call({method: 'POST', path: '/api/v1/reconcile', body: body ?? {}, options: {timeoutMs: RECONCILE_TIMEOUT_MS, ...options}}),
    budgets: {
      set: (consumerId, body, options) => call({method: 'PUT', path: budgetPath(consumerId), body, options}),
      get: (consumerId, options) => call({method: 'GET', path: budgetPath(consumerId), options}),
      remove: (consumerId, options) => call({method: 'DELETE', path: budgetPath(consumerId), options}),
      list: (options) => call({method: 'GET', path: '/api/v1/budgets', options}),
    },
    inventory: {
      list: (params, options) => call({method: 'GET', path: '/api/v1/inventory', query: params, options}),
      get: (offerId, options) => call({method: 'GET', path: `/api/v1/inventory/${encodeURIComponent(offerId)}`, options}),
      history: (params, options) => call({method: 'GET', path: '/api/v1/inventory/history', query: params, options}),
      health: (params, options) => call({method: 'GET', path: '/api/v1/offer-health', query: params, options}),
    },
    catalog: {
      list: (params, options) => call({method: 'GET', path: '/api/v1/catalog', query: params, options}),
    },
    templates: {
      list: (params, options) => call({method: 'GET', path: '/api/v1/templates', query: params, options}),
      get: (templateId, options) => call({method: 'GET', path: `/api/v1/templates/${encodeURIComponent(templateId)}`, options}),
    },
    allocations: {
      create: (body, options) =>
        call({
          method: 'POST',
          path: '/api/v1/allocations',
          body,
          headers: idempotencyHeader(options.idempotencyKey),
          // The daemon picks an offer and reserves it (failing over if one is stale): as slow as a session create.
          options: {timeoutMs: CREATE_TIMEOUT_MS, ...options},
        }),
      list: (params, options) => call({method: 'GET', path: '/api/v1/allocations', query: params as Record<string, unknown> | undefined, options}),
      get: (id, options) => call({method: 'GET', path: allocationPath(id), options}),
      release: (id, options) =>
        call({method: 'POST', path: allocationPath(id, '/release'), headers: idempotencyHeader(options?.idempotencyKey), options}),
      terminalToken: (id, options) => call({method: 'POST', path: allocationPath(id, '/terminal-token'), options}),
    },
    sshKeys: {
      add: (body, options) => call({method: 'POST', path: '/api/v1/iam/ssh-keys', body, options}),
      list: (options) => call({method: 'GET', path: '/api/v1/iam/ssh-keys', options}),
      remove: (id, options) => call({method: 'DELETE', path: `/api/v1/iam/ssh-keys/${encodeURIComponent(id)}`, options}),
    },
    audit: (params, options) => call({method: 'GET', path: '/api/v1/audit', query: params, options}),
    nodes: {
      add: (body, options) => call({method: 'POST', path: '/api/v1/nodes', body, options: {timeoutMs: CREATE_TIMEOUT_MS, ...options}}),
      list: (options) => call({method: 'GET', path: '/api/v1/nodes', options}),
      get: (name, options) => call({method: 'GET', path: nodePath(name), options}),
      check: (name, options) => call({method: 'POST', path: nodePath(name, '/check'), options: {timeoutMs: CREATE_TIMEOUT_MS, ...options}}),
      trustHostKey: (name, hostKey, options) =>
        call({method: 'POST', path: nodePath(name, '/host-key'), body: {host_key: hostKey}, options: {timeoutMs: CREATE_TIMEOUT_MS, ...options}}),
      remove: (name, options) => call({method: 'DELETE', path: nodePath(name), options}),
    },
    sessions: {
      create: (body, options) =>
        call({
          method: 'POST',
          path: '/api/v1/sessions',
          body,
          headers: {'x-idempotency-key': options.idempotencyKey},
          options: {timeoutMs: CREATE_TIMEOUT_MS, ...options},
        }),
      list: (params, options) => call({method: 'GET', path: '/api/v1/sessions', query: params, options}),
      get: (id, options) => call({method: 'GET', path: sessionPath(id), options}),
      done: (id, options) =>
        call({
          method: 'POST',
          path: sessionPath(id, '/done'),
          headers: idempotencyHeader(options?.idempotencyKey),
          options,
        }),
      extend: (id, additionalHours, options) =>
        call({method: 'POST', path: sessionPath(id, '/extend'), body: {additional_hours: additionalHours}, headers: idempotencyHeader(options?.idempotencyKey), options}),
      shutdown: (id, options) => call({method: 'DELETE', path: sessionPath(id), headers: idempotencyHeader(options?.idempotencyKey), options}),
      resume: (id, options) => call({method: 'POST', path: sessionPath(id, '/resume'), options}),
      diagnostics: (id, options) => call({method: 'GET', path: sessionPath(id, '/diagnostics'), options}),
      events: (id, after, options) => call({method: 'GET', path: sessionPath(id, '/events'), query: {after: after ?? 0}, options}),
      streamEvents,
      terminalToken: (id, options) => call({method: 'POST', path: sessionPath(id, '/terminal-token'), options}),
    },
    costs: {
      get: ((params?: Record<string, unknown>, options?: RequestOptions) =>
        call({method: 'GET', path: '/api/v1/costs', query: params, options})) as ApiClient['costs']['get'],
      summary: (params, options) => call({method: 'GET', path: '/api/v1/costs/summary', query: params, options}),
      exportCsv: (params, options) =>
        callText({
          method: 'GET',
          path: '/api/v1/costs/export',
          query: {...params, format: params?.format ?? 'csv'},
          headers: {accept: 'text/csv'},
          options,
        }),
    },
  }
}

function buildUrl(baseUrl: string, path: string, query?: Record<string, unknown>): string {
  const url = new URL(baseUrl + path)
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue
    url.searchParams.set(key, String(value))
  }
  return url.toString()
}

/** The CLI's default: one line on stderr, so stdout (and --json) stays the result alone. */
const stderrNotice: NoticeSink = ({text}) => {
  process.stderr.write(`${text}\n`)
}

async function readReply<T>(response: HttpResponse, nowMs: number): Promise<T> {
  const text = await response.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (response.ok) {
    if (body === undefined) {
      throw new ApiError({status: response.status, errorType: 'bad_reply', message: `the server sent a reply that is not JSON (HTTP ${response.status})`})
    }
    return body as T
  }
  throw apiErrorFrom(response, body, text, nowMs)
}

const STATUS_TYPES: Record<number, string> = {
  400: 'validation_error',
  401: 'unauthorized',
  402: 'insufficient_balance',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limit_exceeded',
  500: 'internal_error',
  502: 'provider_error',
  503: 'service_unavailable',
}

function apiErrorFrom(response: HttpResponse, body: unknown, text: string, nowMs: number): ApiError {
  // Delta-seconds or an HTTP date, as whole seconds from now.
  const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), nowMs)
  const retryAfterSeconds = retryAfterMs === null ? null : Math.ceil(retryAfterMs / 1000)
  const headerRequestId = response.headers.get('x-request-id')
  if (body && typeof body === 'object' && typeof (body as {error?: unknown}).error === 'string') {
    const {error, error_type: errorType, request_id: requestId, ...details} = body as Record<string, unknown>
    return new ApiError({
      status: response.status,
      errorType: typeof errorType === 'string' ? errorType : (STATUS_TYPES[response.status] ?? 'http_error'),
      message: error as string,
      requestId: typeof requestId === 'string' ? requestId : headerRequestId,
      details,
      retryAfterSeconds,
    })
  }
  const snippet = text.trim().slice(0, 200)
  return new ApiError({
    status: response.status,
    errorType: STATUS_TYPES[response.status] ?? 'http_error',
    message: `HTTP ${response.status} ${response.statusText}${snippet ? `: ${snippet}` : ''}`,
    requestId: headerRequestId,
    retryAfterSeconds,
  })
}

const REFUSED = new Set(['ECONNREFUSED', 'ENOENT'])
const NETWORK = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

function abortError(): Error {
  return new DOMException('the operation was aborted', 'AbortError')
}

function transportError(
  err: unknown,
  context: {baseUrl: string; method: string; timeoutMs: number; unreachableFix: string; userSignal?: AbortSignal},
): Error {
  if (context.userSignal?.aborted) return abortError()
  const error = err as {name?: string; message?: string; cause?: {code?: string; message?: string}; code?: string}
  if (error?.name === 'TimeoutError') {
    return new DaemonUnreachableError({
      url: context.baseUrl,
      reason: 'timeout',
      message: `no reply from ${context.baseUrl} within ${Math.round(context.timeoutMs / 1000)} s`,
      fix: `Check it with \`gpu-shopper daemon status\` and its log with \`gpu-shopper daemon logs\`.`,
      maybeDelivered: context.method !== 'GET',
    })
  }
  const code = error?.cause?.code ?? error?.code
  if (code && REFUSED.has(code)) {
    return new DaemonUnreachableError({
      url: context.baseUrl,
      reason: 'refused',
      message: `the gpu-shopper daemon is not running at ${context.baseUrl} (connection refused)`,
      fix: context.unreachableFix,
      maybeDelivered: false,
    })
  }
  if (code && NETWORK.has(code)) {
    return new DaemonUnreachableError({
      url: context.baseUrl,
      reason: 'network',
      message: `cannot reach ${context.baseUrl} (${code})`,
      fix: context.unreachableFix,
      maybeDelivered: code === 'ECONNRESET' || code === 'EPIPE' || code.startsWith('UND_ERR'),
    })
  }
  if (err instanceof Error) return err
  return new Error(String(err))
}
