import type {Clock} from '../../core/clock.js'
import type {ProviderName} from '../../core/provider-name.js'
import {parseRetryAfterMs} from '../../core/retry-after.js'
import {ProviderUnavailableError, RateLimitedError} from '../errors.js'

import type {Sleep} from './sleep.js'
import type {TokenBucket} from './token-bucket.js'

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

export interface JsonRequest {
  method: HttpMethod
  /** Path under the base URL, starting with `/`. */
  path: string
  query?: Record<string, string>
  body?: unknown
  /**
   * Whether repeating the call is harmless. Only idempotent calls are retried after a 5xx,
   * a timeout or a dropped connection: for a create those mean "maybe done", and a blind
   * repeat could rent a second machine.
   */
  idempotent: boolean
  signal?: AbortSignal
  /**
   * A call that can as well come later (a status poll): it goes out only if a pacing token is
   * free now and is never retried here, so it never queues ahead of a create or a destroy and
   * never holds its caller waiting; the caller polls again later instead.
   */
  background?: boolean
}

export interface JsonResponse {
  status: number
  /** The parsed body; undefined when it was empty or not JSON (see `parsed`). */
  json: unknown
  parsed: boolean
  text: string
}

export interface JsonHttpClientOptions {
  provider: ProviderName
  baseUrl: string
  /** Sent on every call; never copied into errors or logs. */
  headers: Record<string, string>
  /** Strings scrubbed from every error message (API keys a provider might echo). */
  secrets: string[]
  timeoutMs: number
  limiter: TokenBucket
  clock: Clock
  sleep: Sleep
  /** Backoff before retry n (1-based); its length is the retry budget. Default 1 s, 2 s, 4 s. */
  backoffMs?: readonly number[]
  /** A Retry-After longer than this is not waited out here; the 429 surfaces as RateLimitedError. */
  maxRetryAfterMs?: number
}

const DEFAULT_BACKOFF_MS = [1000, 2000, 4000] as const
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000
/** Shorter configured secrets are not scrubbed from messages (see `scrub`). */
export const MIN_SECRET_LENGTH = 8

/**
 * fetch with what every provider call needs: pacing, a per-attempt timeout, 429 retries for
 * every call (a 429 means "not processed", so it is safe even for a create), and 5xx /
 * network retries only for idempotent calls. Returns every other response for the adapter
 * to interpret; throws ProviderUnavailableError when the outcome is unknown.
 */
export class JsonHttpClient {
  private readonly backoffMs: readonly number[]
  private readonly maxRetryAfterMs: number
  // An ES private field: the auth header must not show up in JSON.stringify or util.inspect.
  readonly #options: JsonHttpClientOptions

  constructor(options: JsonHttpClientOptions) {
    this.#options = options
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS
  }

  async request(req: JsonRequest): Promise<JsonResponse> {
    const response = await this.send(req, readJson)
    return {status: response.status, json: response.json, parsed: response.parsed, text: response.text}
  }

  /**
   * Like `request`, but a successful (2xx) reply's body is handed over as it arrives instead
   * of read whole: a full market is far too large to hold as one text. Other replies are read
   * as by `request`. Reading the body stays under the call's timeout.
   */
  async stream(req: JsonRequest): Promise<StreamedResponse> {
    return this.send(req, async (res, retryAfterMs) => {
      if (res.ok && res.body) return {status: res.status, body: res.body, retryAfterMs}
      return {...(await readJson(res, retryAfterMs)), body: null}
    })
  }

  private async send<R extends {status: number; retryAfterMs: number | null; json?: unknown; text?: string}>(
    req: JsonRequest,
    read: (res: Response, retryAfterMs: number | null) => Promise<R>,
  ): Promise<R> {
    const {provider} = this.#options
    const where = `${req.method} ${req.path}`
    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < this.backoffMs.length
      const backoff = this.backoffMs[attempt] ?? 0
      if (!req.background) await this.#options.limiter.take(req.signal)
      else if (!this.#options.limiter.tryTake()) throw new RateLimitedError(provider, null, `${provider}: ${where}: deferred, the pacing budget goes to creates and destroys first`)
      const mayRetry = canRetry && !req.background

      let response: R
      try {
        response = await this.attempt(req, read)
      } catch (err) {
        req.signal?.throwIfAborted()
        if (req.idempotent && mayRetry) {
          await this.#options.sleep(backoff, req.signal)
          continue
        }
        throw new ProviderUnavailableError(provider, this.scrub(`${provider}: ${where}: ${describeFailure(err, this.#options.timeoutMs)}`))
      }

      if (response.status === 429) {
        const wait = response.retryAfterMs ?? backoff
        if (mayRetry && wait <= this.maxRetryAfterMs) {
          await this.#options.sleep(wait, req.signal)
          continue
        }
        throw new RateLimitedError(provider, response.retryAfterMs, `${provider}: ${where}: rate limited (HTTP 429)`)
      }

      if (response.status >= 500) {
        if (req.idempotent && mayRetry) {
          await this.#options.sleep(backoff, req.signal)
          continue
        }
        const detail = providerMessage({json: response.json, text: response.text ?? ''}) ?? 'no message'
        throw new ProviderUnavailableError(
          provider,
          this.scrub(`${provider}: ${where} → HTTP ${response.status}: ${detail}`),
          response.status,
        )
      }

      return response
    }
  }

  /**
   * Removes configured secrets from text that may reach a log or a user. A value shorter than
   * MIN_SECRET_LENGTH is no working API key (real ones are 32+ characters) and would be found
   * inside ordinary words: scrubbing a one-letter "key" turned "No available" into
   * "No [redacted]v[redacted]il[redacted]ble".
   */
  scrub(text: string): string {
    let out = text
    for (const secret of this.#options.secrets) if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join('[redacted]')
    return out
  }

  private async attempt<R>(req: JsonRequest, read: (res: Response, retryAfterMs: number | null) => Promise<R>): Promise<R> {
    const url = new URL(this.#options.baseUrl.replace(/\/+$/, '') + req.path)
    for (const [key, value] of Object.entries(req.query ?? {})) url.searchParams.set(key, value)
    const headers: Record<string, string> = {accept: 'application/json', ...this.#options.headers}
    if (req.body !== undefined) headers['content-type'] = 'application/json'
    const timeout = AbortSignal.timeout(this.#options.timeoutMs)
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout

    const res = await fetch(url, {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal,
    })
    // Reading the body is under the same timeout: a server can stall after the headers.
    return read(res, res.status === 429 ? parseRetryAfterMs(res.headers.get('retry-after'), this.#options.clock.now()) : null)
  }
}

/** A reply whose successful body arrives as a stream; `body` is null for any other status (then `json` and `text` say why). */
export type StreamedResponse =
  | {status: number; body: ReadableStream<Uint8Array>; retryAfterMs: number | null; json?: undefined; text?: undefined}
  | (JsonResponse & {body: null; retryAfterMs: number | null})

async function readJson(res: Response, retryAfterMs: number | null): Promise<JsonResponse & {retryAfterMs: number | null}> {
  const text = await res.text()
  // Never parse a 429 body: its shape varies (plain text, two JSON forms) and the status says it all.
  if (res.status === 429) return {status: res.status, json: undefined, parsed: false, text: '', retryAfterMs}
  let json: unknown
  let parsed = false
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text)
      parsed = true
    } catch {
      json = undefined
    }
  }
  return {status: res.status, json, parsed, text, retryAfterMs}
}

/** The human part of a provider error body: Vast uses `msg`, some endpoints `message`, `detail` or `error`. */
export function providerMessage(response: Pick<JsonResponse, 'json' | 'text'>): string | null {
  const body = response.json
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>
    for (const key of ['msg', 'message', 'detail', 'error']) {
      const value = record[key]
      if (typeof value === 'string' && value.trim() !== '') return value.trim()
    }
  }
  const text = response.text.trim()
  if (text === '') return null
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

function describeFailure(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return `no reply within ${timeoutMs} ms; the outcome is unknown`
    const cause = (err as {cause?: {code?: string; message?: string}}).cause
    const code = cause?.code ?? cause?.message
    return `connection failed (${code ?? err.message}); the outcome is unknown`
  }
  return 'request failed; the outcome is unknown'
}
