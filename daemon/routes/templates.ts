import type {FastifyPluginAsyncZod} from 'fastify-type-provider-zod'

import {ErrorBody} from '../../src/core/api/common.js'
import {TemplateIdParams, TemplateReply, TemplatesParams, TemplatesReply, type TemplateDto} from '../../src/core/api/templates.js'
import type {Template} from '../../src/core/template.js'
import type {AppDeps} from '../deps.js'

/**
 * The providers' templates: market-wide and read-only, like the catalog, so every caller who may
 * read the inventory may read them (no tenant owns a template).
 */
export function templateRoutes(deps: AppDeps): FastifyPluginAsyncZod {
  const simulated = deps.ctx.simulated
  return async (app) => {
    app.get('/templates', {schema: {querystring: TemplatesParams, response: {200: TemplatesReply, 400: ErrorBody}}}, async (request) => {
      const {templates, sources} = await deps.templates.list({provider: request.query.provider, name: request.query.name})
      return {templates: templates.map(templateDto), count: templates.length, providers: sources, simulated}
    })

    app.get('/templates/:id', {schema: {params: TemplateIdParams, response: {200: TemplateReply, 404: ErrorBody, 502: ErrorBody}}}, async (request) => ({
      ...templateDto(await deps.templates.get(request.params.id)),
      simulated,
    }))
  }
}

function templateDto(t: Template): TemplateDto {
  return {
    id: t.id,
    provider: t.provider,
    provider_template_id: t.providerTemplateId,
    name: t.name,
    description: t.description,
    image: t.image,
    on_start: t.onStart,
    exposed_ports: t.exposedPorts,
    env_names: t.envNames,
    min_cuda_version: t.minCudaVersion,
    recommended_disk_gb: t.recommendedDiskGb,
    recommended: t.recommended,
    nvidia_driver: t.nvidiaDriver,
  }
}
