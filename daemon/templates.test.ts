import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {simControl} from '../src/sim/control/control-client.js'
import {TemplateService} from '../src/services/template-service.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import type {RunningDaemon} from './server.js'

const VLLM = 'vastai-a3b7c4ee4de0fbcc79c320b759c1c615'
const COMFY = 'vastai-0975b65b4e7d3ccecd7f04bd886038dd'

/** Replies are asserted field by field; a loose type keeps that readable. */
type Loose = any

describe('templates and the inventory template filter (daemon over the simulators)', () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  const get = (url: string) => daemon.app.inject({method: 'GET', url, headers: {authorization: `Bearer ${daemon.token}`}})

  beforeAll(async () => {
    testDaemon = await startTestDaemon('templates')
    daemon = testDaemon.daemon
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  it('lists Vast.ai\'s recommended templates and TensorDock\'s images, says which providers were asked, and shows no variable value', async () => {
    // When every template is listed
    const res = await get('/api/v1/templates')

    // Then both marketplaces answered, and the nodes (which have no templates) were not asked
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body.providers).toEqual([
      {provider: 'vastai', ok: true, error: null},
      {provider: 'tensordock', ok: true, error: null},
    ])
    expect(body.simulated).toBe(true)
    expect(body.count).toBe(body.templates.length)
    const ids = (body.templates as Loose[]).map((t) => t.id)
    expect(ids).toContain(VLLM)
    expect(ids).toContain('tensordock-ubuntu2204')
    expect(ids).not.toContain(COMFY)
    expect((body.templates as Loose[]).find((t) => t.id === VLLM)).toMatchObject({
      name: 'vLLM',
      image: 'vllm/vllm-openai:v0.10.1.1',
      exposed_ports: [8000],
      env_names: ['VLLM_MODEL', 'VLLM_ARGS', 'HF_TOKEN'],
      min_cuda_version: 12.8,
      recommended_disk_gb: 100,
      recommended: true,
      nvidia_driver: 'host',
    })
    expect(res.body).not.toContain('hf_vastTemplatePlaceholder0000')

    // And the filters narrow it: by provider, and by a part of the name in any case
    const td = (await get('/api/v1/templates?provider=tensordock&name=UBUNTU')).json()
    expect(td.providers.map((p: Loose) => p.provider)).toEqual(['tensordock'])
    expect(td.templates.map((t: Loose) => t.id)).toEqual(['tensordock-ubuntu2404', 'tensordock-ubuntu2204', 'tensordock-ubuntu2004'])
  })

  it('shows any template by id, listed or not, and answers an unknown id with the standard 404', async () => {
    const comfy = await get(`/api/v1/templates/${COMFY}`)
    expect(comfy.statusCode).toBe(200)
    expect(comfy.json()).toMatchObject({id: COMFY, name: 'ComfyUI (community)', recommended: false, min_cuda_version: 12.9, recommended_disk_gb: 120, simulated: true})
    expect(comfy.body).not.toContain('civitai_placeholder_7d1f')

    for (const id of ['vastai-ffffffffffffffffffffffffffffffff', 'tensordock-windows10', 'selfhosted-anything', 'nothing']) {
      const missing = await get(`/api/v1/templates/${id}`)
      expect(missing.statusCode, id).toBe(404)
      expect(missing.json()).toEqual({error: expect.stringContaining(id), error_type: 'not_found', request_id: expect.any(String), template_id: id})
    }
  })

  it('reports a provider that fails and keeps its templates out, instead of making any up', async () => {
    // Given Vast.ai's template endpoint answering garbage
    await simControl(daemon.simulatorUrls.vastai!, 'POST', '/_sim/faults', {rate: 1, kinds: ['malformed'], paths: ['/api/v0/template/']})
    try {
      // When the templates are listed by a service with nothing cached yet
      const fresh = new TemplateService(daemon.ctx.providers, daemon.ctx.clock)
      const listing = await fresh.list()

      // Then Vast.ai is named with its error, and only TensorDock's templates are there
      const vast = listing.sources.find((s) => s.provider === 'vastai')
      expect(vast).toMatchObject({ok: false, error: expect.stringMatching(/template/)})
      expect(listing.templates.length).toBeGreaterThan(0)
      expect(listing.templates.every((t) => t.provider === 'tensordock')).toBe(true)
      // And a show of a Vast.ai template it cannot look up is a provider error, not a 404
      await expect(fresh.get(COMFY)).rejects.toMatchObject({errorType: 'provider_error'})
    } finally {
      await simControl(daemon.simulatorUrls.vastai!, 'DELETE', '/_sim/faults')
    }
  })

  it('keeps only offers that can run the template: its provider, its CUDA, its disk', async () => {
    // Given a market that holds still (no refresh between the reads compared)
    await daemon.inventory.stop()
    // Every Vast.ai offer, page by page
    const first = (await get('/api/v1/inventory?provider=vastai&limit=1000')).json()
    const all = {total: first.total as number, offers: [...first.offers] as Loose[]}
    while (all.offers.length < all.total) all.offers.push(...(await get(`/api/v1/inventory?provider=vastai&limit=1000&offset=${all.offers.length}`)).json().offers)
    const res = await get(`/api/v1/inventory?template=${VLLM}&limit=1000`)
    expect(res.statusCode).toBe(200)
    const fit = res.json()
    expect(fit.offers.length).toBeGreaterThan(0)
    expect(fit.total).toBeLessThan(all.total)
    for (const o of fit.offers as Loose[]) {
      expect(o.provider).toBe('vastai')
      expect(o.cuda_version).toBeGreaterThanOrEqual(12.8)
      expect(o.disk_gb).toBeGreaterThanOrEqual(100)
    }
    // Every Vast.ai offer that fits is there
    const fitting = all.offers.filter((o) => o.cuda_version !== null && o.cuda_version >= 12.8 && o.disk_gb !== null && o.disk_gb >= 100)
    expect(fit.total).toBe(fitting.length)

    // A TensorDock image keeps TensorDock's offers that have room for its 100 GB
    const td = (await get('/api/v1/inventory?template=tensordock-ubuntu2204&limit=50')).json()
    expect(td.offers.length).toBeGreaterThan(0)
    expect((td.offers as Loose[]).every((o) => o.provider === 'tensordock' && o.disk_gb >= 100)).toBe(true)
  })

  it('refuses an unknown template, or one of another provider than asked, naming the template parameter', async () => {
    const unknown = await get('/api/v1/inventory?template=vastai-ffffffffffffffffffffffffffffffff')
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json()).toMatchObject({error_type: 'validation_error', field: 'template', error: expect.stringMatching(/^template: /)})
    const mixed = await get(`/api/v1/inventory?template=${VLLM}&provider=tensordock`)
    expect(mixed.statusCode).toBe(400)
    expect(mixed.json()).toMatchObject({error_type: 'validation_error', field: 'template', error: expect.stringContaining('vastai template')})
  })
})
