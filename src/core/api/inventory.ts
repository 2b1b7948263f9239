import {z} from 'zod'

import {OFFER_SORT_KEYS} from '../inventory-query.js'
import {MAX_GPU_COUNT, MAX_PAGE_SIZE, MAX_PRICE_HISTORY_POINTS, MAX_PRICE_USD_PER_HOUR, MAX_VRAM_GB} from '../limits.js'
import {PROVIDER_NAMES} from '../provider-name.js'
import {queryNumber} from './common.js'
import {TemplateId} from './templates.js'

export const InventoryParams = z.object({
  provider: z.enum(PROVIDER_NAMES).optional(),
  gpu_type: z.string().trim().min(1).max(100).optional(),
  location: z.string().trim().min(1).max(100).optional(),
  min_vram: queryNumber.pipe(z.number().min(0).max(MAX_VRAM_GB)).optional(),
  max_price: queryNumber.pipe(z.number().min(0, 'must be 0 or more').max(MAX_PRICE_USD_PER_HOUR)).optional(),
  min_gpu_count: queryNumber.pipe(z.number().int().min(1).max(MAX_GPU_COUNT)).optional(),
  gpu_count: queryNumber.pipe(z.number().int().min(1).max(MAX_GPU_COUNT)).optional(),
  min_reliability: queryNumber.pipe(z.number().min(0).max(1)).optional(),
  min_cuda: queryNumber.pipe(z.number().min(0).max(100)).optional(),
  /** Only offers that can run this template (`gpu-shopper templates list`): its provider's, with its CUDA and disk. */
  template: TemplateId.optional(),
  sort: z.enum(OFFER_SORT_KEYS).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: queryNumber.pipe(z.number().int().min(1).max(MAX_PAGE_SIZE)).optional(),
  offset: queryNumber.pipe(z.number().int().min(0)).optional(),
})
export type InventoryParams = z.infer<typeof InventoryParams>

export const OfferDto = z.object({
  id: z.string(),
  provider: z.string(),
  provider_id: z.string(),
  gpu_type: z.string(),
  gpu_count: z.number().int(),
  vram_gb: z.number(),
  price_per_hour: z.number(),
  price_per_hour_micro_usd: z.number().int(),
  price_per_gpu_hour: z.number(),
  location: z.string(),
  country_code: z.string().nullable(),
  reliability: z.number().nullable(),
  available: z.boolean(),
  fetched_at: z.string(),
  cuda_version: z.number().nullable(),
  disk_gb: z.number().nullable(),
  cpu_cores: z.number().nullable(),
  ram_gb: z.number().nullable(),
  inet_down_mbps: z.number().nullable(),
  /** What `price_per_hour` pays for besides the GPUs: the disk of a default session, and vCPUs and RAM where priced apart. */
  price_includes: z.object({disk_gb: z.number(), vcpus: z.number().nullable(), ram_gb: z.number().nullable()}),
  /** How the provider prices disk (per GB per month or per hour), to price another disk size; null when unknown. */
  disk_rate: z.object({usd_per_gb: z.number(), per: z.enum(['month', 'hour']), minimum_gb: z.number()}).nullable(),
  /** The machine it runs on (`<provider>:<machine>`), where the provider names one. */
  host_id: z.string().nullable(),
  /**
   * 0..1: how likely a session on it is to come up, from recent provisioning outcomes on the
   * offer and its machine, halving in weight every day; 0.9 for one never tried (GET /offer-health).
   */
  availability_confidence: z.number(),
  /** Until when its machine is skipped by provisioning by spec and auto-retry, after repeated failures; null when it is not. */
  cooling_down_until: z.string().nullable(),
})
export type OfferDto = z.infer<typeof OfferDto>

export const InventoryReply = z.object({
  offers: z.array(OfferDto),
  count: z.number().int(),
  total: z.number().int(),
  stale_providers: z.array(z.string()),
  simulated: z.boolean(),
})
export type InventoryReply = z.infer<typeof InventoryReply>

export const OfferReply = OfferDto.extend({simulated: z.boolean()})
export type OfferReply = z.infer<typeof OfferReply>

export const HistoryParams = z.object({
  gpu_type: z.string().trim().min(1, 'is required, e.g. gpu_type=RTX 4090').max(100),
  provider: z.enum(PROVIDER_NAMES).optional(),
  since: z.iso.datetime({offset: true}).or(z.iso.date()).optional(),
  limit: queryNumber.pipe(z.number().int().min(1).max(MAX_PRICE_HISTORY_POINTS)).optional(),
})
export type HistoryParams = z.infer<typeof HistoryParams>

export const PricePointDto = z.object({
  at: z.string(),
  provider: z.string(),
  gpu_type: z.string(),
  min_price_per_gpu_hour: z.number(),
  median_price_per_gpu_hour: z.number(),
  min_price_per_gpu_hour_micro_usd: z.number().int(),
  median_price_per_gpu_hour_micro_usd: z.number().int(),
  offer_count: z.number().int(),
})
export type PricePointDto = z.infer<typeof PricePointDto>

export const HistoryReply = z.object({
  gpu_type: z.string(),
  points: z.array(PricePointDto),
  count: z.number().int(),
  simulated: z.boolean(),
})
export type HistoryReply = z.infer<typeof HistoryReply>
