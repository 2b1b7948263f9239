import {z} from 'zod'

import {ConsumerId, isoDate} from './common.js'

export const CostsParams = z.object({
  session_id: z.string().trim().min(1).optional(),
  consumer_id: ConsumerId.optional(),
  start_date: isoDate.optional(),
  end_date: isoDate.optional(),
  period: z.enum(['daily', 'monthly']).optional(),
})
export type CostsParams = z.infer<typeof CostsParams>

export const SessionCostReply = z.object({
  session_id: z.string(),
  total_cost: z.number(),
  total_cost_micro_usd: z.number().int(),
  currency: z.literal('USD'),
  hours_used: z.number(),
  status: z.string(),
  /** compute, storage (a preserved disk bills only this) and settlement (the difference to the provider's own bill). */
  by_component_micro_usd: z.record(z.string(), z.number().int()),
  simulated: z.boolean(),
})
export type SessionCostReply = z.infer<typeof SessionCostReply>

const Breakdown = z.record(z.string(), z.number())

export const CostPoint = z.object({
  period: z.string(),
  total_cost: z.number(),
  total_cost_micro_usd: z.number().int(),
})

export const CostsReply = z.object({
  consumer_id: z.string().nullable(),
  start_date: z.string().nullable(),
  end_date: z.string().nullable(),
  total_cost: z.number(),
  total_cost_micro_usd: z.number().int(),
  currency: z.literal('USD'),
  session_count: z.number().int(),
  hours_used: z.number(),
  by_provider: Breakdown,
  by_gpu_type: Breakdown,
  by_provider_micro_usd: Breakdown,
  by_gpu_type_micro_usd: Breakdown,
  /** compute, storage and settlement. */
  by_component_micro_usd: Breakdown,
  series: z.array(CostPoint).optional(),
  simulated: z.boolean(),
})
export type CostsReply = z.infer<typeof CostsReply>

export const CostSummaryParams = z.object({
  consumer_id: ConsumerId.optional(),
})

export const CostSummaryReply = CostsReply.extend({
  month: z.string(),
  by_consumer: Breakdown,
  by_consumer_micro_usd: Breakdown,
  active_sessions: z.number().int(),
})
export type CostSummaryReply = z.infer<typeof CostSummaryReply>
