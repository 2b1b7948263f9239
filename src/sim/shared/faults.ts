import type {ServerResponse} from 'node:http'

import {deriveSeed, mulberry32, type Random} from './prng.js'

/**
 * `429`, `500`, `timeout` (never answers) and `malformed` (truncated JSON) fail before the
 * request is handled. `500_after` and `timeout_after` handle it first and then lose the answer:
 * the "did my create happen?" case that labels and reconciliation exist for.
 */
export const FAULT_KINDS = ['429', '500', 'timeout', 'malformed', '500_after', 'timeout_after'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

export interface FaultConfig {
  /** Probability 0..1 that a matching request fails. */
  rate: number
  kinds: FaultKind[]
  /** When set, 429 faults carry `Retry-After`; the real Vast API never sends one. */
  retryAfterSeconds?: number
  /** Path prefixes the faults apply to; all provider paths when absent. */
  paths?: string[]
  /** Stop after this many injected faults ("fail the next N calls"). */
  count?: number
}

/**
 * Decides which provider requests fail. Decisions come from a PRNG seeded from the simulator's
 * seed, so the same sequence of requests meets the same faults on every run.
 */
export class FaultInjector {
  private config: FaultConfig | null = null
  private rng: Random
  private injected = 0

  constructor(private readonly seed: number) {
    this.rng = mulberry32(deriveSeed(seed, 'faults'))
  }

  set(config: FaultConfig): void {
    this.config = config
    this.injected = 0
    this.rng = mulberry32(deriveSeed(this.seed, 'faults'))
  }

  clear(): void {
    this.config = null
  }

  current(): FaultConfig | null {
    return this.config
  }

  pick(path: string): FaultKind | null {
    const config = this.config
    if (!config || config.kinds.length === 0) return null
    if (config.paths && !config.paths.some((prefix) => path.startsWith(prefix))) return null
    if (config.count !== undefined && this.injected >= config.count) return null
    // Draw both numbers every time so one request's outcome does not depend on the rate of another.
    const roll = this.rng()
    const which = this.rng()
    if (roll >= config.rate) return null
    this.injected++
    return config.kinds[Math.floor(which * config.kinds.length)] ?? null
  }
}

/** Validates a `POST /_sim/faults` body; returns an error message instead of throwing. */
export function parseFaultConfig(body: unknown): FaultConfig | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object'
  const b = body as Record<string, unknown>
  const rate = b.rate === undefined ? 1 : Number(b.rate)
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) return 'rate must be a number from 0 to 1'
  const kindsRaw = b.kinds === undefined ? ['500'] : b.kinds
  if (!Array.isArray(kindsRaw) || kindsRaw.length === 0) return `kinds must be a non-empty array of ${FAULT_KINDS.join(', ')}`
  const kinds: FaultKind[] = []
  for (const k of kindsRaw) {
    const kind = String(k)
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) return `unknown fault kind ${JSON.stringify(k)}; use ${FAULT_KINDS.join(', ')}`
    kinds.push(kind as FaultKind)
  }
  const config: FaultConfig = {rate, kinds}
  const retryAfter = b.retry_after_seconds ?? b.retryAfterSeconds
  if (retryAfter !== undefined && retryAfter !== null) {
    const n = Number(retryAfter)
    if (!Number.isFinite(n) || n < 0) return 'retry_after_seconds must be a non-negative number'
    config.retryAfterSeconds = n
  }
  if (b.paths !== undefined && b.paths !== null) {
    if (!Array.isArray(b.paths) || !b.paths.every((p) => typeof p === 'string')) return 'paths must be an array of path prefixes'
    config.paths = b.paths as string[]
  }
  if (b.count !== undefined && b.count !== null) {
    const n = Number(b.count)
    if (!Number.isInteger(n) || n < 0) return 'count must be a non-negative integer'
    config.count = n
  }
  return config
}

/**
 * Responses held open to simulate a provider that never answers. The client gives up on its
 * own timeout; close() ends whatever is still held so a simulator never outlives its test.
 */
export class HeldResponses {
  private held = new Set<ServerResponse>()

  hold(res: ServerResponse): void {
    this.held.add(res)
    res.on('close', () => this.held.delete(res))
  }

  releaseAll(): void {
    for (const res of this.held) res.destroy()
    this.held.clear()
  }
}
