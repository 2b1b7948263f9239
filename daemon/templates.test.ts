import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ManualClock} from '../src/core/clock.js'
import {offerDtoPriceForDisk} from '../src/core/offer-quote.js'
import {simControl} from '../src/sim/control/control-client.js'
import {TEMPLATE_CACHE_TTL_MS, TemplateService} from '../src/services/template-service.js'
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
    // Given both markets loaded (a stop would abort a first load still under way on a slow
    // machine), then held still: no refresh between the reads compared
    await Promise.all((['vastai', 'tensordock'] as const).map((p) => daemon.inventory.worker(p)!.refreshNow()))
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

describe('creating a session with a template (daemon over the simulators)', () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  const headers = () => ({authorization: `Bearer ${daemon.token}`})
  const get = (url: string) => daemon.app.inject({method: 'GET', url, headers: headers()})
  const post = (url: string, payload: object) => daemon.app.inject({method: 'POST', url, payload, headers: headers()})
  const base = {consumer_id: 'tmpl', workload_type: 'ssh', reservation_hours: 1}
  const sessionCount = async () => (await get('/api/v1/sessions')).json().total as number
  /** What the daemon asked the simulated Vast.ai to rent, newest last. */
  const vastCreates = async () =>
    ((await simControl(daemon.simulatorUrls.vastai!, 'GET', '/_sim/requests?path_prefix=/api/v0/asks/')) as {requests: {method: string; path: string; body: Loose}[]}).requests.filter((r) => r.method === 'PUT')

  beforeAll(async () => {
    testDaemon = await startTestDaemon('template-create')
    daemon = testDaemon.daemon
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  it('refuses, before anything is rented, an offer that cannot run the template, naming template', async () => {
    const vast = (await get('/api/v1/inventory?provider=vastai&limit=1000')).json().offers as Loose[]
    const oldDriver = vast.find((o) => o.cuda_version !== null && o.cuda_version < 12.8 && o.disk_gb >= 200)
    const fits = vast.find((o) => o.cuda_version >= 12.8 && o.disk_gb >= 200)
    const tensordock = (await get('/api/v1/inventory?provider=tensordock&limit=1')).json().offers[0]
    expect(oldDriver && fits && tensordock).toBeTruthy()
    const sessionsBefore = await sessionCount()
    const createsBefore = (await vastCreates()).length

    const refusals: [string, object, RegExp][] = [
      ['a driver older than its CUDA', {offer_id: oldDriver.id, template: VLLM}, /needs CUDA 12\.8 or later/],
      ['too small a disk', {offer_id: fits.id, template: VLLM, disk_gb: 60}, /needs 100 GB of disk and 60 GB was asked for/],
      ['another provider\'s offer', {offer_id: tensordock.id, template: VLLM}, /is a vastai template and .* is a tensordock offer/],
      ['a raw hash as well', {offer_id: fits.id, template: VLLM, template_hash_id: 'a8a44c7363cbca20056020397e3bf072'}, /give one/],
      ['an unknown template', {offer_id: fits.id, template: 'vastai-ffffffffffffffffffffffffffffffff'}, /not a template of a configured provider/],
      ['another OS image than the template\'s', {offer_id: tensordock.id, template: 'tensordock-ubuntu2204', image: 'debian12'}, /boots the OS image ubuntu2204/],
    ]
    for (const [what, body, message] of refusals) {
      const res = await post('/api/v1/sessions', {...base, ...body})
      expect(res.statusCode, what).toBe(400)
      expect(res.json(), what).toMatchObject({error_type: 'validation_error', field: 'template', error: expect.stringMatching(message), request_id: expect.any(String)})
    }
    // Nothing was recorded, and nothing was sent to the provider
    expect(await sessionCount()).toBe(sessionsBefore)
    expect((await vastCreates()).length).toBe(createsBefore)
  })

  it('rents a Vast.ai offer with the template by its hash, on the disk it needs, priced for that disk', async () => {
    // Given an offer that can run the vLLM template
    const offer = (await get(`/api/v1/inventory?template=${VLLM}&sort=price&limit=1`)).json().offers[0] as Loose

    // When a session is created with the template and no disk size
    const res = await post('/api/v1/sessions', {...base, offer_id: offer.id, template: VLLM})

    // Then it rents 100 GB (the template's need, above the 50 GB default), priced for that disk
    expect(res.statusCode, res.body).toBe(201)
    const session = res.json().session
    expect(session.disk_gb).toBe(100)
    expect(session.price_per_hour_micro_usd).toBe(offerDtoPriceForDisk(offer, 100))
    expect(session.price_per_hour_micro_usd).not.toBe(offer.price_per_hour_micro_usd)

    // And Vast.ai was asked for the template by its hash, with no image of ours over it
    const sent = (await vastCreates()).at(-1)!
    expect(sent.path).toBe(`/api/v0/asks/${offer.provider_id}/`)
    expect(sent.body).toMatchObject({template_hash_id: VLLM.slice('vastai-'.length), image: null, disk: 100})

    // And a disk asked for above the need is kept
    const other = (await get(`/api/v1/inventory?template=${VLLM}&sort=price&limit=2`)).json().offers[1] as Loose
    const bigger = await post('/api/v1/sessions', {...base, offer_id: other.id, template: VLLM, disk_gb: 150})
    expect(bigger.json().session.disk_gb).toBe(150)
  })

  it('boots a TensorDock offer from the template\'s OS image', async () => {
    const offer = (await get('/api/v1/inventory?template=tensordock-debian12&limit=1')).json().offers[0] as Loose
    const res = await post('/api/v1/sessions', {...base, offer_id: offer.id, template: 'tensordock-debian12'})
    expect(res.statusCode, res.body).toBe(201)
    expect(res.json().session).toMatchObject({disk_gb: 100, launch: {image: 'debian12'}})
    const creates = ((await simControl(daemon.simulatorUrls.tensordock!, 'GET', '/_sim/requests?path_prefix=/api/v2/instances')) as {requests: {method: string; body: Loose}[]}).requests.filter((r) => r.method === 'POST')
    expect(creates.at(-1)?.body.data.attributes).toMatchObject({image: 'debian12', resources: {storage_gb: 100}})
  })

  it('allocates by spec among the offers that can run the template: its provider, a driver for its CUDA, room for its disk', async () => {
    // Given the cheapest RTX 4090 at all, and the cheapest that can run the vLLM template
    const cheapest = (await get('/api/v1/inventory?gpu_type=RTX%204090&min_gpu_count=1&sort=price&limit=50')).json().offers.find((o: Loose) => o.gpu_count === 1) as Loose
    const able = (await get(`/api/v1/inventory?template=${VLLM}&gpu_type=RTX%204090&sort=price&limit=50`)).json().offers.filter((o: Loose) => o.gpu_count === 1) as Loose[]
    expect(able.length).toBeGreaterThan(0)

    // When an allocation asks for one RTX 4090 with the template
    const res = await post('/api/v1/allocations', {gpu_type: 'RTX 4090', gpus_total: 1, consumer_id: 'tmpl', template: VLLM})

    // Then it lands on an offer that can run it, on the disk it needs, whatever is cheaper elsewhere
    expect(res.statusCode, res.body).toBe(201)
    const allocation = res.json()
    expect(able.map((o) => o.id)).toContain(allocation.offer_id)
    if (!able.some((o) => o.id === cheapest.id)) expect(allocation.offer_id).not.toBe(cheapest.id)
    const session = (await get(`/api/v1/sessions/${allocation.id}`)).json()
    expect(session.disk_gb).toBe(100)

    // And an unknown template is refused before anything is recorded
    const before = await sessionCount()
    const unknown = await post('/api/v1/allocations', {gpu_type: 'RTX 4090', gpus_total: 1, template: 'vastai-ffffffffffffffffffffffffffffffff'})
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json()).toMatchObject({error_type: 'validation_error', field: 'template'})
    expect(await sessionCount()).toBe(before)
  })
})

describe('a create with a template, repeated with its idempotency key', () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  const clock = new ManualClock(Date.parse('2026-12-04T12:00:00Z'))
  const headers = (key: string) => ({authorization: `Bearer ${daemon.token}`, 'x-idempotency-key': key})

  beforeAll(async () => {
    testDaemon = await startTestDaemon('template-replay', {clock})
    daemon = testDaemon.daemon
  })
  afterAll(async () => {
    await testDaemon?.close()
  })

  it('replays the first reply while the template cannot be looked up, and still refuses the key with another request', async () => {
    const offer = (await daemon.app.inject({method: 'GET', url: `/api/v1/inventory?template=${VLLM}&sort=price&limit=1`, headers: headers('-')})).json().offers[0] as Loose
    const body = {consumer_id: 'tmpl', workload_type: 'ssh', reservation_hours: 1, offer_id: offer.id, template: VLLM}
    const first = await daemon.app.inject({method: 'POST', url: '/api/v1/sessions', payload: body, headers: headers('tmpl-replay-1')})
    expect(first.statusCode, first.body).toBe(201)

    // Given the cached template has expired and Vast.ai's template endpoint answers garbage
    clock.advance(TEMPLATE_CACHE_TTL_MS + 1)
    await simControl(daemon.simulatorUrls.vastai!, 'POST', '/_sim/faults', {rate: 1, kinds: ['malformed'], paths: ['/api/v0/template/']})
    try {
      // When the same create is sent again with its key, Then it gets the first session back
      const again = await daemon.app.inject({method: 'POST', url: '/api/v1/sessions', payload: body, headers: headers('tmpl-replay-1')})
      expect(again.statusCode, again.body).toBe(201)
      expect(again.json().session.id).toBe(first.json().session.id)
      // And a new create with the template cannot be checked, so it is refused as a provider error
      const fresh = await daemon.app.inject({method: 'POST', url: '/api/v1/sessions', payload: body, headers: headers('tmpl-replay-2')})
      expect(fresh.statusCode).toBe(502)
      // And the key with another request is refused, whatever the template's provider says
      const other = await daemon.app.inject({method: 'POST', url: '/api/v1/sessions', payload: {...body, reservation_hours: 2}, headers: headers('tmpl-replay-1')})
      expect(other.statusCode).toBe(409)
    } finally {
      await simControl(daemon.simulatorUrls.vastai!, 'DELETE', '/_sim/faults')
    }
  })
})
