import {z} from 'zod'

import {parseDockerEnvFlags, publishedPorts, variableNames} from '../../core/docker-env-flags.js'
import {makeTemplateId, type Template} from '../../core/template.js'
import {looseNumberValue, looseStringValue} from '../wire-values.js'

/**
 * Vast.ai template rows (`GET /api/v0/template/` → `{"templates": [...]}`, providers.md §1.3).
 * Live clients disagree on a few types, so each is read loosely: `extra_filters` is a JSON
 * string in the replies cloud-gpu-shopper and other clients parse, an object in some
 * documentation; `recommended_disk_space` a number or a numeric string.
 */

/** A template's hash_id: 32 hex digits; a create names a template by it. */
export const VAST_TEMPLATE_HASH = /^[0-9a-f]{32}$/i

function looseBooleanValue(v: unknown): unknown {
  if (v === 1 || v === '1' || v === 'true' || v === 'True') return true
  if (v === 0 || v === '0' || v === 'false' || v === 'False' || v === '') return false
  return v
}

const looseNumber = z.preprocess(looseNumberValue, z.number().nullish())
const looseString = z.preprocess(looseStringValue, z.string().nullish())
const looseBoolean = z.preprocess(looseBooleanValue, z.boolean().nullish())

export const vastTemplateSchema = z.object({
  hash_id: z.string().trim().regex(VAST_TEMPLATE_HASH),
  name: looseString,
  image: looseString,
  tag: looseString,
  desc: looseString,
  env: looseString,
  onstart: looseString,
  recommended: looseBoolean,
  recommended_disk_space: looseNumber,
  extra_filters: z.unknown(),
})
export type VastTemplate = z.infer<typeof vastTemplateSchema>

/** The reply is checked loosely so that one bad row costs one template, not the list. */
export const vastTemplatePageSchema = z.object({templates: z.array(z.unknown()).nullish()})

/** Offer fields that say which CUDA a host's driver supports (`cuda_vers` is vast.py's alias). */
const CUDA_FIELDS = ['cuda_max_good', 'cuda_vers'] as const
/** Operators that set a floor; `gt` is read as `gte` of the same version (a template never asks for "above 12.4 but not 12.4"). */
const FLOOR_OPS = ['gte', 'gt', 'eq'] as const

export function templateFromVast(raw: VastTemplate): Template {
  const hashId = raw.hash_id.toLowerCase()
  const env = parseDockerEnvFlags(raw.env ?? '')
  const disk = raw.recommended_disk_space
  return {
    id: makeTemplateId('vastai', hashId),
    provider: 'vastai',
    providerTemplateId: hashId,
    name: raw.name?.trim() || `template ${hashId}`,
    description: raw.desc?.trim() || null,
    image: imageReference(raw.image, raw.tag),
    onStart: raw.onstart?.trim() || null,
    exposedPorts: publishedPorts(env),
    envNames: variableNames(env),
    minCudaVersion: minCudaOf(raw.extra_filters),
    recommendedDiskGb: typeof disk === 'number' && Number.isFinite(disk) && disk > 0 ? disk : null,
    recommended: raw.recommended === true,
    // A container runs on the host's driver: the offer's cuda_max_good is what it gets.
    nvidiaDriver: 'host',
  }
}

/** Rows as templates; rows that are not templates are counted, not guessed at. */
export function parseTemplatePage(json: unknown): {templates: Template[]; skipped: number} | null {
  const page = vastTemplatePageSchema.safeParse(json)
  if (!page.success) return null
  const templates: Template[] = []
  let skipped = 0
  for (const row of page.data.templates ?? []) {
    const parsed = vastTemplateSchema.safeParse(row)
    if (parsed.success) templates.push(templateFromVast(parsed.data))
    else skipped++
  }
  return {templates, skipped}
}

/** `image` and `tag` as one reference; an image that carries its own tag or digest keeps it. */
function imageReference(image: string | null | undefined, tag: string | null | undefined): string | null {
  const name = image?.trim()
  if (!name) return null
  const lastPart = name.slice(name.lastIndexOf('/') + 1)
  if (lastPart.includes(':') || name.includes('@')) return name
  const t = tag?.trim()
  return t ? `${name}:${t}` : name
}

/** The CUDA floor `extra_filters` sets (an offer query, as an object or its JSON text); null when none. */
export function minCudaOf(extraFilters: unknown): number | null {
  let filters = extraFilters
  if (typeof filters === 'string') {
    if (filters.trim() === '') return null
    try {
      filters = JSON.parse(filters) as unknown
    } catch {
      return null
    }
  }
  if (filters === null || typeof filters !== 'object' || Array.isArray(filters)) return null
  let floor: number | null = null
  for (const field of CUDA_FIELDS) {
    const spec = (filters as Record<string, unknown>)[field]
    if (spec === undefined || spec === null) continue
    // A bare value is an equality test, as in the offer query language.
    const values = typeof spec === 'object' && !Array.isArray(spec) ? FLOOR_OPS.map((op) => (spec as Record<string, unknown>)[op]) : [spec]
    for (const value of values) {
      const version = looseNumberValue(value)
      if (typeof version === 'number' && Number.isFinite(version) && version > 0) floor = Math.max(floor ?? 0, version)
    }
  }
  return floor
}
