import type {FastifyInstance, FastifyRequest} from 'fastify'

import {systemClock} from '../src/core/clock.js'
import {KeyedRateLimiter} from '../src/core/rate-limiter.js'
import type {RateLimitRepo} from '../src/store/rate-limit-repo.js'

export interface RateLimitOptions {
  requestsPerSecond: number
  burst: number
  /** Whose bucket a request draws from (`tenant/user`); null when the request is not limited (/health). */
  keyOf: (request: FastifyRequest) => string | null
  now?: () => number
  /** Most users tracked at once; see KeyedRateLimiter. */
  maxKeys?: number
  /**
   * Buckets several server processes share (PostgreSQL): a user's rate holds however a load
   * balancer spreads their requests. In this process's memory when absent.
   */
  shared?: RateLimitRepo
}

/**
 * Per-user rate limits for a team server: one user's loop cannot starve the others. Installed
 * after the auth hook, so the key is an authenticated principal and an unauthenticated flood is
 * refused by auth before it can fill this map. A refusal happens before any handler runs: the
 * server did nothing, which is what lets clients replay any method after `Retry-After`.
 */
export function installRateLimit(app: FastifyInstance, options: RateLimitOptions): {readonly trackedKeys: number} {
  const clock = options.now ? {now: options.now} : systemClock
  const now = () => clock.now()
  const limiter = new KeyedRateLimiter({
    rate: {perSecond: options.requestsPerSecond, burst: options.burst},
    clock,
    maxKeys: options.maxKeys,
  })
  const limit = String(options.burst)
  const take = async (key: string) => {
    if (!options.shared) return limiter.take(key)
    const draw = await options.shared.draw(key, now(), options.requestsPerSecond, options.burst)
    return {
      allowed: draw.allowed,
      remaining: Math.max(0, Math.floor(draw.tokens)),
      retryAfterMs: draw.allowed ? 0 : Math.ceil(((1 - draw.tokens) / options.requestsPerSecond) * 1000),
    }
  }
  app.addHook('onRequest', async (request, reply) => {
    const key = options.keyOf(request)
    if (key === null) return
    const verdict = await take(key)
    reply.header('RateLimit-Limit', limit)
    reply.header('RateLimit-Remaining', String(verdict.remaining))
    if (verdict.allowed) return
    // Whole seconds, rounded up: a client that waits exactly this long finds a token.
    const retryAfter = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))
    reply.header('Retry-After', String(retryAfter))
    request.log.debug({key, retry_after: retryAfter}, 'rate limited')
    return reply.status(429).send({
      error:
        `rate limit exceeded: at most ${options.requestsPerSecond} requests a second per user (bursts of ${options.burst}); ` +
        `retry in ${retryAfter} s. This request was not carried out.`,
      error_type: 'rate_limit_exceeded',
      request_id: String(request.id),
      retry_after: retryAfter,
    })
  })
  return {
    get trackedKeys() {
      return limiter.size
    },
  }
}
