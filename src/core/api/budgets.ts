import {z} from 'zod'

import {ON_LIMIT_ACTIONS} from '../budget.js'
import {MAX_MONTHLY_LIMIT_USD} from '../limits.js'
import {ConsumerId, MessageReply} from './common.js'

export const BudgetBody = z.object({
  /** USD per calendar month (UTC). */
  monthly_limit: z.number({error: 'is required: USD per month'}).min(0, 'must be 0 or more').max(MAX_MONTHLY_LIMIT_USD),
  /** Fraction of the limit at which an alert fires (0..1). */
  alert_threshold: z.number().min(0).max(1).default(0.8),
  on_limit: z.enum(ON_LIMIT_ACTIONS).default('release'),
})
export type BudgetBody = z.input<typeof BudgetBody>

export const ConsumerParams = z.object({id: ConsumerId})

export const BudgetDto = z.object({
  consumer_id: z.string(),
  month: z.string(),
  monthly_limit: z.number(),
  monthly_limit_micro_usd: z.number().int(),
  alert_threshold: z.number(),
  on_limit: z.enum(ON_LIMIT_ACTIONS),
  spent: z.number(),
  spent_micro_usd: z.number().int(),
  committed: z.number(),
  committed_micro_usd: z.number().int(),
  remaining: z.number(),
  remaining_micro_usd: z.number().int(),
  alerted: z.boolean(),
  limit_reached: z.boolean(),
  simulated: z.boolean(),
})
export type BudgetDto = z.infer<typeof BudgetDto>

export const BudgetsReply = z.object({budgets: z.array(BudgetDto), count: z.number().int(), simulated: z.boolean()})
export type BudgetsReply = z.infer<typeof BudgetsReply>

/** `DELETE /consumers/:id/budget`: a budget belongs to a consumer, not to a session. */
export const BudgetRemovedReply = MessageReply.omit({session_id: true})
export type BudgetRemovedReply = z.infer<typeof BudgetRemovedReply>
