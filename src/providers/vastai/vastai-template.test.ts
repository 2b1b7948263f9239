import {readFileSync} from 'node:fs'

import {afterEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {startVastSim} from '../../sim/index.js'
import {ProviderAuthError, ProviderUnavailableError} from '../errors.js'
import {startScriptedServer, type ScriptedHandler, type ScriptedServer} from '../http/scripted-http-server.js'
import {VastAiAdapter} from './vastai-adapter.js'
import {minCudaOf} from './vastai-template.js'

/** A template reply in the shape the real API gives (fixtures/README.md says where it comes from). */
const RECORDED = JSON.parse(readFileSync(new URL('./fixtures/templates-reply.json', import.meta.url), 'utf8')) as {templates: Record<string, unknown>[]}
const API_KEY = 'vast-key-templates-5e6f7a8b'
const OLLAMA = 'a8a44c7363cbca20056020397e3bf072'

let server: ScriptedServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

async function setup(handler: ScriptedHandler) {
  server = await startScriptedServer(handler)
  const warnings: {details: Record<string, unknown>; message: string}[] = []
  const adapter = new VastAiAdapter({
    baseUrl: server.url,
    apiKey: API_KEY,
    clock: new ManualClock(Date.parse('2026-03-01T12:00:00Z')),
    sleep: async () => {},
    timeoutMs: 2000,
    logger: {warn: (details, message) => warnings.push({details, message})},
  })
  return {adapter, server, warnings}
}

describe('VastAiAdapter.listTemplates on a recorded reply', () => {
  it('asks for the recommended templates and normalises each row, skipping the one without a hash', async () => {
    // Given Vast.ai answering with the recorded reply
    const {adapter, server, warnings} = await setup(() => ({body: RECORDED}))

    // When the adapter lists templates
    const templates = await adapter.listTemplates()

    // Then it asked as cloud-gpu-shopper does, with its key
    expect(server.requests).toHaveLength(1)
    const [req] = server.requests
    expect(`${req?.method} ${req?.path}`).toBe('GET /api/v0/template/')
    expect(JSON.parse(req!.query.get('select_filters')!)).toEqual({recommended: {eq: true}})
    expect(req?.headers.authorization).toBe(`Bearer ${API_KEY}`)

    // And every readable row is a template, the bad one counted and logged
    expect(templates.map((t) => t.id)).toEqual([`vastai-${OLLAMA}`, 'vastai-614914b697e8e18390c15ebb5f5977a5', 'vastai-a3b7c4ee4de0fbcc79c320b759c1c615'])
    expect(warnings).toEqual([{details: {provider: 'vastai', skipped: 1}, message: 'skipped unreadable Vast.ai template rows'}])
    expect(templates[0]).toEqual({
      id: `vastai-${OLLAMA}`,
      provider: 'vastai',
      providerTemplateId: OLLAMA,
      name: 'Ollama',
      description: 'Run open models with Ollama behind an OpenAI-compatible API.',
      image: 'vastai/ollama:0.15.4',
      onStart: 'entrypoint.sh',
      exposedPorts: [1111, 21434],
      envNames: ['OLLAMA_MODEL', 'OPEN_BUTTON_PORT', 'OPEN_BUTTON_TOKEN'],
      minCudaVersion: null,
      recommendedDiskGb: 32,
      recommended: true,
      nvidiaDriver: 'host',
    })
    // extra_filters as JSON text (a string floor, a number floor), a disk as a numeric string
    expect(templates[1]).toMatchObject({image: 'vastai/pytorch:2.5.1-cuda-12.4.1-py311-22.04', minCudaVersion: 12.4, recommendedDiskGb: 32, exposedPorts: [8080]})
    expect(templates[2]).toMatchObject({image: 'vllm/vllm-openai:v0.10.1.1', minCudaVersion: 12.8, recommendedDiskGb: 100, onStart: null, envNames: ['VLLM_MODEL', 'VLLM_ARGS']})
  })

  it('never lets a variable value out: names only', async () => {
    const {adapter} = await setup(() => ({body: RECORDED}))
    const text = JSON.stringify(await adapter.listTemplates())
    expect(text).toContain('HF_TOKEN')
    expect(text).not.toContain('hf_recordedTemplateValue42')
    expect(text).not.toContain('qwen3:14b')
  })

  it('looks one template up by hash_id, recommended or not; asks nothing for an id that is no hash', async () => {
    const community = {...RECORDED.templates[1], hash_id: '0975b65b4e7d3ccecd7f04bd886038dd', name: 'ComfyUI (community)', recommended: false}
    const {adapter, server} = await setup((req) => {
      const filters = JSON.parse(req.query.get('select_filters') ?? '{}') as {hash_id?: {eq?: string}}
      return {body: {templates: filters.hash_id?.eq === community.hash_id ? [community] : []}}
    })
    const [found] = await adapter.listTemplates({providerTemplateId: '0975B65B4E7D3CCECD7F04BD886038DD'})
    expect(found).toMatchObject({id: 'vastai-0975b65b4e7d3ccecd7f04bd886038dd', name: 'ComfyUI (community)', recommended: false})
    expect(JSON.parse(server.requests[0]!.query.get('select_filters')!)).toEqual({hash_id: {eq: '0975b65b4e7d3ccecd7f04bd886038dd'}})
    expect(await adapter.listTemplates({providerTemplateId: 'ffffffffffffffffffffffffffffffff'})).toEqual([])
    expect(await adapter.listTemplates({providerTemplateId: 'ubuntu2204'})).toEqual([])
    expect(server.requests).toHaveLength(2)
  })

  it('keeps to the filter should the server ignore it', async () => {
    const {adapter} = await setup(() => ({body: {templates: [...RECORDED.templates, {...RECORDED.templates[0], hash_id: 'b'.repeat(32), recommended: false}]}}))
    expect((await adapter.listTemplates()).every((t) => t.recommended)).toBe(true)
    expect(await adapter.listTemplates({providerTemplateId: 'c'.repeat(32)})).toEqual([])
  })

  it('maps a refused key to ProviderAuthError and an unreadable reply to ProviderUnavailableError', async () => {
    const {adapter, server} = await setup(() => ({status: 401, body: {success: false, error: 'auth_error', msg: 'Invalid user key'}}))
    await expect(adapter.listTemplates()).rejects.toBeInstanceOf(ProviderAuthError)
    server.setHandler(() => ({body: '<html>maintenance</html>', headers: {'content-type': 'text/html'}}))
    await expect(adapter.listTemplates()).rejects.toBeInstanceOf(ProviderUnavailableError)
    server.setHandler(() => ({body: {templates: 'none'}}))
    await expect(adapter.listTemplates()).rejects.toBeInstanceOf(ProviderUnavailableError)
  })
})

describe('the CUDA floor of extra_filters', () => {
  it('reads cuda_max_good or cuda_vers floors, as JSON text or an object, and nothing else', () => {
    expect(minCudaOf('{"cuda_max_good": {"gte": "12.1"}}')).toBe(12.1)
    expect(minCudaOf({cuda_max_good: {gt: 12.4}})).toBe(12.4)
    expect(minCudaOf({cuda_vers: {eq: '12.6'}, cuda_max_good: {gte: 12.2}})).toBe(12.6)
    expect(minCudaOf({cuda_max_good: 12.8})).toBe(12.8)
    expect(minCudaOf({cuda_max_good: {lte: 12.4}})).toBeNull()
    expect(minCudaOf({cpu_arch: {in: ['amd64']}})).toBeNull()
    expect(minCudaOf('')).toBeNull()
    expect(minCudaOf('not json')).toBeNull()
    expect(minCudaOf(null)).toBeNull()
  })
})

describe('VastAiAdapter.listTemplates against the simulator', () => {
  it('lists the recommended templates and finds a community one by its hash', async () => {
    const sim = await startVastSim({seed: 7, apiKey: API_KEY, offerCount: 10})
    try {
      const adapter = new VastAiAdapter({baseUrl: sim.url, apiKey: API_KEY, rateLimit: {perSecond: 1000, burst: 1000}})
      const recommended = await adapter.listTemplates()
      expect(recommended.map((t) => t.name)).toEqual(['Jupyter (base image)', 'NVIDIA CUDA', 'PyTorch (Vast)', 'Text Generation Inference', 'Ollama', 'vLLM'])
      expect(recommended.find((t) => t.name === 'vLLM')).toMatchObject({minCudaVersion: 12.8, recommendedDiskGb: 100, exposedPorts: [8000], envNames: ['VLLM_MODEL', 'VLLM_ARGS', 'HF_TOKEN']})
      expect(JSON.stringify(recommended)).not.toContain('hf_vastTemplatePlaceholder0000')
      const [community] = await adapter.listTemplates({providerTemplateId: '0975b65b4e7d3ccecd7f04bd886038dd'})
      expect(community).toMatchObject({name: 'ComfyUI (community)', recommended: false, minCudaVersion: 12.9, recommendedDiskGb: 120})
    } finally {
      await sim.close()
    }
  })
})
