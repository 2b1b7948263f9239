import {z} from 'zod'

import {MAX_RETRIES_LIMIT, RETRY_SCOPES} from '../auto-retry.js'

export const MIN_SSH_TIMEOUT_SECONDS = 30
export const MAX_SSH_TIMEOUT_SECONDS = 3 * 3600

/** Auto-retry on create, as both create routes take it (checked together by resolveRetryTerms). */
export const RetryFields = {
  /** Move to the next comparable offer when the host fails to boot or to let us in. */
  auto_retry: z.boolean().default(false),
  /** Tries after the first (default 2); only with auto_retry. */
  max_retries: z.number().int().min(1).max(MAX_RETRIES_LIMIT).optional(),
  /** Which offers are comparable (default same-gpu-type); only with auto_retry. */
  retry_scope: z.enum(RETRY_SCOPES).optional(),
  /** How long a host has, from the create, to let us in over SSH (default: the provisioning timeout). */
  ssh_timeout_seconds: z.number().int().min(MIN_SSH_TIMEOUT_SECONDS).max(MAX_SSH_TIMEOUT_SECONDS).optional(),
}

/** A session's place in a retry chain, and its terms. */
export const RetryDtoFields = {
  auto_retry: z.object({max_retries: z.number().int(), retry_scope: z.enum(RETRY_SCOPES), ssh_timeout_seconds: z.number().int().nullable()}).nullable(),
  /** The failed try this session took the place of. */
  retry_of: z.string().nullable(),
  /** The session that took this failed try's place: follow it. */
  retried_as: z.string().nullable(),
  /** 0 for the first try. */
  retry_attempt: z.number().int(),
  /** The machine it was rented on, where the provider names one (see GET /offer-health). */
  host_id: z.string().nullable(),
}
