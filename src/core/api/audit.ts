import {z} from 'zod'

export const AuditParams = z.object({
  /** Entries after this id (the `next_after` of the previous page). */
  after: z.coerce.number().int().min(0).optional(),
  user: z.string().trim().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})
export type AuditParams = z.infer<typeof AuditParams>

export const AuditEntryDto = z.object({
  id: z.number().int(),
  at: z.string(),
  user: z.string(),
  tenant: z.string(),
  role: z.string(),
  method: z.string(),
  route: z.string(),
  target: z.string().nullable(),
  request_id: z.string(),
  status_code: z.number().int(),
  outcome: z.enum(['ok', 'refused', 'error']),
})
export type AuditEntryDto = z.infer<typeof AuditEntryDto>

export const AuditReply = z.object({
  entries: z.array(AuditEntryDto),
  count: z.number().int(),
  /** Pass as `after` for the next page; null when this page is empty. */
  next_after: z.number().int().nullable(),
})
export type AuditReply = z.infer<typeof AuditReply>
