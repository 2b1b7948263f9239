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

export const DatabaseStatus = z.object({
  engine: z.enum(['sqlite', 'postgres']),
  reachable: z.boolean(),
  /** A round trip to the database just now. */
  latency_ms: z.number().nullable(),
  schema_version: z.number().int().nullable(),
  error: z.string().nullable(),
  /** Roles this process plays for all the processes on the database (a market refresh, the reconciler). */
  leader_roles: z.array(z.string()),
})
export type DatabaseStatus = z.infer<typeof DatabaseStatus>

export const HealthReply = z.object({
  /** `unavailable`: the process runs but cannot reach its database (only /ready says so). */
  status: z.enum(['ok', 'starting', 'unavailable']),
  version: z.string(),
  deployment_id: z.string(),
  simulated: z.boolean(),
  auth: z.boolean(),
  uptime_seconds: z.number(),
  providers: z.array(ProviderStatus),
  database: DatabaseStatus,
})
export type HealthReply = z.infer<typeof HealthReply>
