import {z} from 'zod'

import {PROVISION_OUTCOME_KINDS} from '../offer-health.js'
import {PROVIDER_NAMES} from '../provider-name.js'

export const OfferHealthParams = z.object({
  provider: z.enum(PROVIDER_NAMES).optional(),
  /** One machine, `<provider>:<machine>` as offers show it in `host_id`. */
  host_id: z.string().trim().min(1).max(200).optional(),
  offer_id: z.string().trim().min(1).max(200).optional(),
})
export type OfferHealthParams = z.infer<typeof OfferHealthParams>

/** What recent provisioning on one machine (or, where the provider names none, one offer) came to. */
export const HostHealthDto = z.object({
  host_id: z.string().nullable(),
  provider: z.string(),
  /** Provisionings in the last 7 days, and how many failed. */
  attempts: z.number().int(),
  failures: z.number().int(),
  /** Failures since the last success. */
  consecutive_failures: z.number().int(),
  /** 0..1: the success rate, each outcome halving in weight every day, from a prior of 0.9. */
  availability_confidence: z.number(),
  /** Skipped by provisioning by spec and auto-retry until then (2 failures in a row: one hour); null when it is not. */
  cooling_down_until: z.string().nullable(),
  last_success_at: z.string().nullable(),
  last_failure: z.object({kind: z.enum(PROVISION_OUTCOME_KINDS), at: z.string()}).nullable(),
  /** Offers the outcomes were on (a marketplace relists a machine under a new offer id after each rental). */
  offer_ids: z.array(z.string()),
})
export type HostHealthDto = z.infer<typeof HostHealthDto>

export const OfferHealthReply = z.object({
  hosts: z.array(HostHealthDto),
  count: z.number().int(),
  /** How far back outcomes are read. */
  window_days: z.number().int(),
  half_life_hours: z.number(),
  simulated: z.boolean(),
})
export type OfferHealthReply = z.infer<typeof OfferHealthReply>
