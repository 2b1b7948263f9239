import {z} from 'zod'

import {CONSUMER_ID_MAX_LENGTH, CONSUMER_ID_PATTERN} from '../limits.js'

/**
 * The HTTP API contract, one source for the daemon's request/response validation and the
 * client's types (which import these as types only, so the CLI never loads zod).
 * Field names follow the seed documents exactly; we add fields, never rename them.
 */
export const ErrorBody = z.object({
  error: z.string(),
  error_type: z.string(),
  request_id: z.string(),
}).catchall(z.unknown())
export type ErrorBody = z.infer<typeof ErrorBody>

/**
 * A consumer id, wherever one arrives: a create body, a query filter or a path. One rule so an
 * id a session accepts is one every other route accepts too.
 */
export const ConsumerId = z
  .string()
  .trim()
  .min(1, 'is required')
  .max(CONSUMER_ID_MAX_LENGTH, `must be at most ${CONSUMER_ID_MAX_LENGTH} characters`)
  .regex(CONSUMER_ID_PATTERN, 'may use letters, digits and . _ - @ :')

/**
 * The longest path parameter the router takes (Fastify's maxParamLength, checked on the raw,
 * still percent-encoded text): a longest consumer id with every character encoded (`@` is
 * `%40`), so length is refused by the schema with a 400 naming the field, never by the router.
 */
export const MAX_PATH_PARAM_LENGTH = 3 * CONSUMER_ID_MAX_LENGTH

export const MessageReply = z.object({
  message: z.string(),
  session_id: z.string(),
  simulated: z.boolean(),
})
export type MessageReply = z.infer<typeof MessageReply>

/** Query strings arrive as text; numbers are coerced, and an empty value is a user error, not 0. */
export const queryNumber = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((s, ctx) => {
    const n = Number(s)
    if (!Number.isFinite(n)) {
      ctx.addIssue({code: 'custom', message: `expected a number, got "${s}"`})
      return z.NEVER
    }
    return n
  })

export const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')

export const Simulated = z.boolean().describe('true when the daemon runs against the simulated marketplaces')
