import {z} from 'zod'

/** Optional: no body (Fastify hands the route null), an empty one or `{}` all mean a real run. */
export const ReconcileBody = z
  .object({
    dry_run: z.boolean().default(false),
  })
  .nullish()

export const ReconcileReply = z.object({
  dry_run: z.boolean(),
  at: z.string(),
  deployment_id: z.string(),
  orphans: z.array(
    z.object({
      provider: z.string(),
      provider_instance_id: z.string(),
      label: z.string().nullable(),
      session_id: z.string().nullable(),
      reason: z.string(),
      action: z.enum(['destroyed', 'would-destroy', 'in-grace', 'destroy-failed']),
    }),
  ),
  ghosts: z.array(
    z.object({
      provider: z.string(),
      session_id: z.string(),
      provider_instance_id: z.string(),
      action: z.enum(['marked-stopped', 'would-mark-stopped']),
    }),
  ),
  adopted: z.array(
    z.object({provider: z.string(), session_id: z.string(), provider_instance_id: z.string(), action: z.enum(['adopted', 'would-adopt'])}),
  ),
  errors: z.array(z.object({provider: z.string(), message: z.string()})),
  foreign_instances: z.number().int(),
  simulated: z.boolean(),
})
export type ReconcileReply = z.infer<typeof ReconcileReply>
