import {z} from 'zod'

import {PROVIDER_NAMES} from '../provider-name.js'
import {TEMPLATE_DRIVERS} from '../template.js'

/** A template id as users type it: `vastai-<hash_id>` or `tensordock-<os image>`. */
export const TemplateId = z.string().trim().min(1).max(200)

export const TemplatesParams = z.object({
  provider: z.enum(PROVIDER_NAMES).optional(),
  /** Part of the template's name, any case. */
  name: z.string().trim().min(1).max(100).optional(),
})
export type TemplatesParams = z.infer<typeof TemplatesParams>

export const TemplateDto = z.object({
  id: z.string(),
  provider: z.string(),
  provider_template_id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  image: z.string().nullable(),
  on_start: z.string().nullable(),
  exposed_ports: z.array(z.number().int()),
  /** Names only: a template's values can be tokens, and are never shown. */
  env_names: z.array(z.string()),
  min_cuda_version: z.number().nullable(),
  recommended_disk_gb: z.number().nullable(),
  recommended: z.boolean(),
  nvidia_driver: z.enum(TEMPLATE_DRIVERS),
})
export type TemplateDto = z.infer<typeof TemplateDto>

/** A provider asked for its templates, and whether it answered. */
export const TemplateSourceDto = z.object({
  provider: z.string(),
  ok: z.boolean(),
  /** Why it did not answer; its templates are missing from the list, never made up. */
  error: z.string().nullable(),
})
export type TemplateSourceDto = z.infer<typeof TemplateSourceDto>

export const TemplatesReply = z.object({
  templates: z.array(TemplateDto),
  count: z.number().int(),
  providers: z.array(TemplateSourceDto),
  simulated: z.boolean(),
})
export type TemplatesReply = z.infer<typeof TemplatesReply>

export const TemplateReply = TemplateDto.extend({simulated: z.boolean()})
export type TemplateReply = z.infer<typeof TemplateReply>

export const TemplateIdParams = z.object({id: TemplateId})
