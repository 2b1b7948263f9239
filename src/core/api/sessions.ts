import {z} from 'zod'

import {DEFAULT_DISK_GB, MAX_DISK_GB, MAX_IDLE_THRESHOLD_MINUTES, MAX_PAGE_SIZE, MAX_RESERVATION_HOURS, MAX_SSH_KEY_IDS, MAX_SSH_PUBLIC_KEY_LENGTH, MIN_DISK_GB, MIN_RESERVATION_HOURS} from '../limits.js'
import {STORAGE_POLICIES, WORKLOAD_TYPES} from '../session.js'
import {SESSION_STATUSES} from '../session-status.js'
import {PROVIDER_NAMES} from '../provider-name.js'
import {ConsumerId, queryNumber} from './common.js'
import {LaunchDto, LaunchFields} from './launch.js'
import {TemplateId} from './templates.js'
import {RetryDtoFields, RetryFields} from './auto-retry.js'

const hours = z
  .number({error: 'must be a whole number of hours'})
  .int('must be a whole number of hours')
  .min(MIN_RESERVATION_HOURS, `must be at least ${MIN_RESERVATION_HOURS}`)
  .max(MAX_RESERVATION_HOURS, `must be at most ${MAX_RESERVATION_HOURS} (the hard maximum)`)

const id = z.string().trim().min(1).max(200)

export const CreateSessionBody = z.object({
  consumer_id: ConsumerId,
  offer_id: id,
  workload_type: z.enum(WORKLOAD_TYPES),
  reservation_hours: hours,
  idle_threshold_minutes: z.number().int().min(0).max(MAX_IDLE_THRESHOLD_MINUTES).default(0),
  storage_policy: z.enum(STORAGE_POLICIES).default('destroy'),
  /** Absent: the default, or the template's recommended disk when that is more. */
  disk_gb: z.number().int().min(MIN_DISK_GB).max(MAX_DISK_GB).optional().describe(`GB; ${DEFAULT_DISK_GB} when absent, or the template's recommended disk when that is more`),
  template_hash_id: z.string().trim().min(1).max(200).nullable().optional(),
  /** A template from `GET /api/v1/templates`, checked against the offer before anything is rented. */
  template: TemplateId.optional(),
  ssh_public_key: z.string().trim().min(1).max(MAX_SSH_PUBLIC_KEY_LENGTH).optional(),
  ssh_key_ids: z.array(id).max(MAX_SSH_KEY_IDS).optional(),
  hard_max_override: z.boolean().default(false),
  idempotency_key: z.string().trim().min(1).max(200).optional(),
  ...LaunchFields,
  ...RetryFields,
})
export type CreateSessionBody = z.input<typeof CreateSessionBody>

export const SessionDto = z.object({
  id: z.string(),
  consumer_id: z.string(),
  provider: z.string(),
  provider_instance_id: z.string().nullable(),
  offer_id: z.string(),
  gpu_type: z.string(),
  gpu_count: z.number().int(),
  status: z.enum(SESSION_STATUSES),
  ssh_host: z.string().nullable(),
  ssh_port: z.number().int().nullable(),
  ssh_user: z.string().nullable(),
  ssh_host_key_fingerprint: z.string().nullable(),
  /** The instance's host key learned at verification (`type base64`), for a known_hosts line. */
  ssh_host_public_key: z.string().nullable(),
  /** A host SSH must go through first (a self-hosted node in front of its guests); null when direct. */
  ssh_jump: z
    .object({host: z.string(), port: z.number().int(), user: z.string(), host_key_fingerprint: z.string(), host_public_key: z.string(), identity_file: z.string()})
    .nullable(),
  /** Registered keys injected besides the session's own key. */
  ssh_key_ids: z.array(z.string()),
  workload_type: z.enum(WORKLOAD_TYPES),
  /** What runs on the instance; null for an empty box. */
  launch: LaunchDto.nullable(),
  /** The public URL of the workload's first exposed port, once the provider maps it. */
  api_endpoint: z.string().nullable(),
  reservation_hours: z.number().int(),
  price_per_hour: z.number(),
  price_per_hour_micro_usd: z.number().int(),
  disk_gb: z.number().int(),
  storage_policy: z.enum(STORAGE_POLICIES),
  /** The Vast.ai template it booted (from `template` or `template_hash_id`); null without one. */
  template_hash_id: z.string().nullable(),
  idle_threshold_minutes: z.number().int(),
  hard_max_override: z.boolean(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  expires_at: z.string(),
  stopped_at: z.string().nullable(),
  failure_reason: z.string().nullable(),
  total_cost: z.number(),
  total_cost_micro_usd: z.number().int(),
  simulated: z.boolean(),
  ...RetryDtoFields,
})
export type SessionDto = z.infer<typeof SessionDto>

export const CreateSessionReply = z.object({
  session: SessionDto,
  ssh_private_key: z.string().optional(),
})
export type CreateSessionReply = z.infer<typeof CreateSessionReply>

export const SessionsParams = z.object({
  consumer_id: ConsumerId.optional(),
  status: z.enum(SESSION_STATUSES).optional(),
  provider: z.enum(PROVIDER_NAMES).optional(),
  limit: queryNumber.pipe(z.number().int().min(1).max(MAX_PAGE_SIZE)).optional(),
  offset: queryNumber.pipe(z.number().int().min(0)).optional(),
})
export type SessionsParams = z.infer<typeof SessionsParams>

export const SessionsReply = z.object({
  sessions: z.array(SessionDto),
  count: z.number().int(),
  total: z.number().int(),
  simulated: z.boolean(),
})
export type SessionsReply = z.infer<typeof SessionsReply>

export const SessionIdParams = z.object({id})

const HOURS_RANGE = `${MIN_RESERVATION_HOURS}-${MAX_RESERVATION_HOURS}`

/** Missing and mistyped are different mistakes: `"2"` is not missing, it is a string. */
function hoursTypeError(input: unknown): string {
  if (input === undefined) return `is required: a whole number of hours, ${HOURS_RANGE}`
  if (typeof input === 'string' && input.trim() !== '' && Number.isFinite(Number(input))) {
    return `must be a number ${HOURS_RANGE}, not a string: send ${input.trim()} without quotes`
  }
  return `must be a number ${HOURS_RANGE} (got ${JSON.stringify(input)})`
}

/**
 * Only the shape is checked here: how many hours are too many depends on the session (what is
 * left of its 12-hour maximum), so the service refuses that with the hours that can be added.
 */
export const ExtendBody = z.object({
  additional_hours: z
    .number({error: (issue) => hoursTypeError(issue.input)})
    .int('must be a whole number of hours')
    .min(MIN_RESERVATION_HOURS, `must be at least ${MIN_RESERVATION_HOURS}`),
})

export const ExtendReply = z.object({
  message: z.string(),
  session_id: z.string(),
  new_expires_at: z.string(),
  simulated: z.boolean(),
})
export type ExtendReply = z.infer<typeof ExtendReply>

/**
 * The event earlier daemons recorded when a session's end deleted the private key the CLI
 * kept for it; sessions that ended then are still told apart from keys made elsewhere by it.
 */
export const KEY_DELETED_EVENT = 'key_deleted'

export const SessionEventDto = z.object({
  id: z.number().int(),
  session_id: z.string(),
  at: z.string(),
  type: z.string(),
  from_status: z.string().nullable(),
  to_status: z.string().nullable(),
  actor: z.string(),
  message: z.string(),
})
export type SessionEventDto = z.infer<typeof SessionEventDto>

export const EventsParams = z.object({
  after: queryNumber.pipe(z.number().int().min(0)).optional(),
})

export const EventsReply = z.object({
  events: z.array(SessionEventDto),
  count: z.number().int(),
})
export type EventsReply = z.infer<typeof EventsReply>
