import type {Clock} from '../core/clock.js'
import {AppError} from '../core/errors.js'
import type {ProviderName} from '../core/provider-name.js'
import type {InventoryQuery} from '../core/inventory-query.js'
import {inventoryQueryForTemplate, parseTemplateId, type Template} from '../core/template.js'
import {scrubSecrets} from '../log/logger.js'
import type {ProviderAdapter} from '../providers/provider.js'
import type {ProviderRegistry} from './provider-registry.js'

/** A provider asked for its templates, and why it did not answer when it did not. */
export interface TemplateSource {
  provider: ProviderName
  ok: boolean
  error: string | null
}

export interface TemplateListing {
  templates: Template[]
  sources: TemplateSource[]
}

/**
 * Templates change when a provider curates its list, not from one minute to the next; five
 * minutes spares Vast.ai's paced API a call per command while a new template shows soon.
 */
export const TEMPLATE_CACHE_TTL_MS = 5 * 60_000

interface Cached<T> {
  at: number
  value: T
}

/**
 * The configured providers' templates. Each provider's answer is kept for a short while; one
 * that fails is named with its error and its templates are missing, never made up, and a
 * failure is not kept (the next call asks again).
 */
export class TemplateService {
  readonly #providers: ProviderRegistry
  readonly #clock: Clock
  readonly #ttlMs: number
  readonly #lists = new Map<ProviderName, Cached<Template[]>>()
  readonly #lookups = new Map<string, Cached<Template | null>>()

  constructor(providers: ProviderRegistry, clock: Clock, ttlMs = TEMPLATE_CACHE_TTL_MS) {
    this.#providers = providers
    this.#clock = clock
    this.#ttlMs = ttlMs
  }

  /** Every provider that has templates (or only `provider`), asked at once; `name` is a case-insensitive part of the name. */
  async list(filter: {provider?: ProviderName; name?: string} = {}): Promise<TemplateListing> {
    const asked = this.#providers.entries().filter(([name, {adapter}]) => adapter.listTemplates !== undefined && (filter.provider === undefined || name === filter.provider))
    const answers = await Promise.all(
      asked.map(async ([name, {adapter}]) => {
        try {
          return {source: {provider: name, ok: true, error: null}, templates: await this.#listOf(name, adapter)}
        } catch (err) {
          return {source: {provider: name, ok: false, error: failureText(err)}, templates: []}
        }
      }),
    )
    const needle = filter.name?.trim().toLowerCase()
    const templates = answers.flatMap((a) => a.templates).filter((t) => !needle || t.name.toLowerCase().includes(needle))
    return {templates, sources: answers.map((a) => a.source)}
  }

  /** One template by its id, listed or not; 404 when no configured provider has it, 502 when its provider cannot say. */
  async get(id: string): Promise<Template> {
    const template = await this.#find(id)
    if (!template) {
      throw new AppError('not_found', `template ${id} does not exist; run \`gpu-shopper templates list\` for the templates there are`, {template_id: id})
    }
    return template
  }

  /**
   * The template a request names in `field` (a create's, an inventory filter's): an unknown one
   * is that request's mistake, a 400 naming the field.
   */
  async resolve(id: string, field: string): Promise<Template> {
    const template = await this.#find(id)
    if (!template) {
      throw new AppError('validation_error', `${field}: ${id} is not a template of a configured provider; run \`gpu-shopper templates list\` for their ids`, {field, template_id: id})
    }
    return template
  }

  /** The inventory query narrowed to the offers that can run the template named by `template`. */
  async inventoryQueryFor(query: InventoryQuery, templateId: string): Promise<InventoryQuery> {
    const narrowed = inventoryQueryForTemplate(query, await this.resolve(templateId, 'template'))
    if ('problem' in narrowed) throw new AppError('validation_error', `template: ${narrowed.problem}`, {field: 'template', template_id: templateId})
    return narrowed.query
  }

  async #find(id: string): Promise<Template | null> {
    const parsed = parseTemplateId(id.trim())
    if (!parsed) return null
    const entry = this.#providers.entries().find(([name]) => name === parsed.provider)
    const adapter = entry?.[1].adapter
    if (!entry || !adapter?.listTemplates) return null
    const name = entry[0]
    const listed = this.#fresh(this.#lists.get(name))?.find((t) => t.providerTemplateId === parsed.providerTemplateId)
    if (listed) return listed
    const key = `${name}\u0000${parsed.providerTemplateId}`
    const known = this.#fresh(this.#lookups.get(key))
    if (known !== undefined) return known
    let found: Template | null
    try {
      found = (await adapter.listTemplates({providerTemplateId: parsed.providerTemplateId})).find((t) => t.providerTemplateId === parsed.providerTemplateId) ?? null
    } catch (err) {
      throw new AppError('provider_error', `${name} could not be asked for template ${id}: ${failureText(err)}; try again shortly`, {provider: name, template_id: id})
    }
    this.#lookups.set(key, {at: this.#clock.now(), value: found})
    return found
  }

  async #listOf(name: ProviderName, adapter: ProviderAdapter): Promise<Template[]> {
    const cached = this.#fresh(this.#lists.get(name))
    if (cached) return cached
    const templates = (await adapter.listTemplates?.()) ?? []
    this.#lists.set(name, {at: this.#clock.now(), value: templates})
    return templates
  }

  #fresh<T>(entry: Cached<T> | undefined): T | undefined {
    return entry && this.#clock.now() - entry.at < this.#ttlMs ? entry.value : undefined
  }
}

function failureText(err: unknown): string {
  return scrubSecrets(err instanceof Error ? err.message : String(err))
}
