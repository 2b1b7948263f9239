import {z} from 'zod'

import {PROVIDER_NAMES} from '../provider-name.js'

export const CatalogParams = z.object({
  region: z.string().trim().min(1).max(100).optional(),
  provider: z.enum(PROVIDER_NAMES).optional(),
  gpu_type: z.string().trim().min(1).max(100).optional(),
})
export type CatalogParams = z.infer<typeof CatalogParams>

/** One SKU: a canonical GPU model at one GPU count, across every provider that sells it. */
export const CatalogItem = z.object({
  sku: z.string(),
  gpu_type: z.string(),
  vram_gb: z.number(),
  gpus_total: z.number().int(),
  /** Cheapest hourly price of the whole SKU in US cents, as the quick start shows it. */
  hourly_price_minor: z.number().int(),
  min_price_per_hour: z.number(),
  max_price_per_hour: z.number(),
  min_price_per_hour_micro_usd: z.number().int(),
  max_price_per_hour_micro_usd: z.number().int(),
  offers: z.number().int(),
  regions: z.array(z.string()),
  providers: z.array(z.string()),
})
export type CatalogItem = z.infer<typeof CatalogItem>

export const CatalogReply = z.object({
  items: z.array(CatalogItem),
  count: z.number().int(),
  stale_providers: z.array(z.string()),
  simulated: z.boolean(),
})
export type CatalogReply = z.infer<typeof CatalogReply>
