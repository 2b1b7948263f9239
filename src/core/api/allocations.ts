import {z} from 'zod'

import {DEFAULT_DISK_GB, DEFAULT_RESERVATION_HOURS, MAX_DISK_GB, MAX_GPU_COUNT, MAX_IDLE_THRESHOLD_MINUTES, MAX_PRICE_USD_PER_HOUR, MAX_RESERVATION_HOURS, MAX_SSH_KEY_IDS, MAX_SSH_PUBLIC_KEY_LENGTH, MIN_DISK_GB, MIN_RESERVATION_HOURS} from '../limits.js'
import {STORAGE_POLICIES, WORKLOAD_TYPES} from '../session.js'
import {ConsumerId} from './common.js'
import {LaunchFields} from './launch.js'
import {RetryFields} from './auto-retry.js'
import {TemplateId} from './templates.js'

/**
 * The quick start's GPUaaS vocabulary over sessions: an allocation is a session created from
 * a spec (SKU, GPU count, region) instead of an offer id; the daemon picks the best live offer.
 */
export const CreateAllocationBody = z
  .object({
    sku: z.string().trim().min(1).max(100).optional(),
    gpu_type: z.string().trim().min(1).max(100).optional(),
    gpus_total: z.number().int().min(1).max(MAX_GPU_COUNT).default(1),
    region_code: z.string().trim().min(1).max(100).optional(),
    ssh_key_ids: z.array(z.string().trim().min(1).max(200)).max(MAX_SSH_KEY_IDS).optional(),
    ssh_public_key: z.string().trim().min(1).max(MAX_SSH_PUBLIC_KEY_LENGTH).optional(),
    /** USD per hour for the whole allocation. */
    max_price: z.number().min(0, 'must be 0 or more').max(MAX_PRICE_USD_PER_HOUR).optional(),
    min_reliability: z.number().min(0).max(1).optional(),
    consumer_id: ConsumerId.default('default'),
    workload_type: z.enum(WORKLOAD_TYPES).default('ssh'),
    reservation_hours: z
      .number()
      .int('must be a whole number of hours')
      .min(MIN_RESERVATION_HOURS)
      .max(MAX_RESERVATION_HOURS, `must be at most ${MAX_RESERVATION_HOURS} (the hard maximum)`)
      .default(DEFAULT_RESERVATION_HOURS),
    idle_threshold_minutes: z.number().int().min(0).max(MAX_IDLE_THRESHOLD_MINUTES).default(0),
    storage_policy: z.enum(STORAGE_POLICIES).default('destroy'),
    /** Absent: the default, or the template's recommended disk when that is more. */
    disk_gb: z.number().int().min(MIN_DISK_GB).max(MAX_DISK_GB).optional().describe(`GB; ${DEFAULT_DISK_GB} when absent, or the template's recommended disk when that is more`),
    /** A template from `GET /api/v1/templates`: the allocation is picked among the offers that can run it. */
    template: TemplateId.optional(),
    hard_max_override: z.boolean().default(false),
    idempotency_key: z.string().trim().min(1).max(200).optional(),
    ...LaunchFields,
    ...RetryFields,
  })
  .refine((b) => b.sku !== undefined || b.gpu_type !== undefined, {message: 'give sku (e.g. "rtx-4090") or gpu_type (e.g. "RTX 4090")', path: ['sku']})
export type CreateAllocationBody = z.input<typeof CreateAllocationBody>

export const ALLOCATION_STATUSES = ['requested', 'provisioning', 'active', 'releasing', 'released', 'failed', 'preserved'] as const

export const AllocationDto = z.object({
  id: z.string(),
  sku: z.string(),
  gpu_type: z.string(),
  gpus_total: z.number().int(),
  region_code: z.string().nullable(),
  status: z.enum(ALLOCATION_STATUSES),
  failure_reason: z.string().nullable(),
  consumer_id: z.string(),
  provider: z.string(),
  offer_id: z.string(),
  offer_attempts: z.number().int(),
  hourly_price_minor: z.number().int(),
  price_per_hour: z.number(),
  price_per_hour_micro_usd: z.number().int(),
  created_at: z.string(),
  expires_at: z.string(),
  connection: z
    .object({
      private_ip: z.string().nullable(),
      ssh_host: z.string(),
      ssh_port: z.number().int(),
      ssh_user: z.string(),
      /** `user@host:port` of the self-hosted node SSH goes through to reach the guest; null when direct. */
      via: z.string().nullable(),
    })
    .nullable(),
  /** The public URL of its workload's server (`--expose`, a model server), once published. */
  api_endpoint: z.string().nullable(),
  /** Its host failed and auto-retry moved it: the allocation that took its place (follow it). */
  retried_as: z.string().nullable(),
  simulated: z.boolean(),
  ssh_private_key: z.string().optional(),
})
export type AllocationDto = z.infer<typeof AllocationDto>

export const AllocationsReply = z.object({
  allocations: z.array(AllocationDto),
  count: z.number().int(),
  total: z.number().int(),
  simulated: z.boolean(),
})
export type AllocationsReply = z.infer<typeof AllocationsReply>
