import {z} from 'zod'

export const ProviderStatus = z.object({
  name: z.string(),
  configured: z.boolean(),
  base_url: z.string().nullable(),
  stale: z.boolean(),
  last_refresh_at: z.string().nullable(),
  next_refresh_at: z.string().nullable(),
  last_error: z.string().nullable(),
  consecutive_failures: z.number().int(),
  breaker: z.enum(['closed', 'open', 'half-open']),
  offers: z.number().int(),
})

export const HealthReply = z.object({
  status: z.enum(['ok', 'starting']),
  version: z.string(),
  deployment_id: z.string(),
  simulated: z.boolean(),
  auth: z.boolean(),
  uptime_seconds: z.number(),
  providers: z.array(ProviderStatus),
})
export type HealthReply = z.infer<typeof HealthReply>
