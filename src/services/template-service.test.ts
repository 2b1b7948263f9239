import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../core/clock.js'
import {VastAiAdapter} from '../providers/vastai/vastai-adapter.js'
import {simControl} from '../sim/control/control-client.js'
import {startVastSim, type VastSimHandle} from '../sim/index.js'
import {ProviderRegistry} from './provider-registry.js'
import {TEMPLATE_CACHE_TTL_MS, TemplateService} from './template-service.js'

const KEY = 'vast-key-template-service-01'
const COMFY = 'vastai-0975b65b4e7d3ccecd7f04bd886038dd'
const OLLAMA = 'vastai-a8a44c7363cbca20056020397e3bf072'

let sim: VastSimHandle
let clock: ManualClock
let service: TemplateService

/** How many template requests the simulated Vast.ai has had. */
async function templateCalls(): Promise<number> {
  const log = (await simControl(sim.url, 'GET', '/_sim/requests?path_prefix=/api/v0/template/')) as {requests: unknown[]}
  return log.requests.length
}

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2026-11-22T23:00:00Z'))
  sim = await startVastSim({seed: 3, apiKey: KEY, offerCount: 10, clock})
  const registry = new ProviderRegistry()
  registry.register('vastai', {baseUrl: sim.url, adapter: new VastAiAdapter({baseUrl: sim.url, apiKey: KEY, clock, rateLimit: {perSecond: 1000, burst: 1000}, retryBackoffMs: [0, 0, 0]})})
  service = new TemplateService(registry, clock)
})

afterEach(async () => {
  await sim.close()
})

describe('TemplateService', () => {
  it('keeps a provider\'s list for a few minutes, and a listed template is shown from it', async () => {
    // Given the list was read once
    const first = await service.list()
    expect(first.sources).toEqual([{provider: 'vastai', ok: true, error: null}])
    expect(await templateCalls()).toBe(1)

    // When it is read again, and a listed template is shown, within the TTL
    expect((await service.list({name: 'oll'})).templates.map((t) => t.id)).toEqual([OLLAMA])
    expect((await service.get(OLLAMA)).name).toBe('Ollama')
    // Then Vast.ai was not asked again
    expect(await templateCalls()).toBe(1)

    // And after the TTL it is
    clock.advance(TEMPLATE_CACHE_TTL_MS)
    await service.list()
    expect(await templateCalls()).toBe(2)
  })

  it('looks an unlisted template up once, and a template nobody has is a 404, or a 400 naming the field when a request named it', async () => {
    expect((await service.get(COMFY)).recommended).toBe(false)
    expect((await service.get(COMFY)).name).toBe('ComfyUI (community)')
    expect(await templateCalls()).toBe(1)
    await expect(service.get('vastai-ffffffffffffffffffffffffffffffff')).rejects.toMatchObject({errorType: 'not_found'})
    await expect(service.get('tensordock-ubuntu2204')).rejects.toMatchObject({errorType: 'not_found'})
    await expect(service.resolve('vastai-nope', 'template')).rejects.toMatchObject({errorType: 'validation_error', details: {field: 'template'}})
  })

  it('does not keep a failure: the next call asks again', async () => {
    await simControl(sim.url, 'POST', '/_sim/faults', {rate: 1, kinds: ['malformed'], paths: ['/api/v0/template/']})
    const failed = await service.list()
    expect(failed.templates).toEqual([])
    expect(failed.sources).toEqual([{provider: 'vastai', ok: false, error: expect.stringContaining('/api/v0/template/')}])
    await simControl(sim.url, 'DELETE', '/_sim/faults')
    const again = await service.list()
    expect(again.sources[0]?.ok).toBe(true)
    expect(again.templates.length).toBeGreaterThan(0)
  })
})
