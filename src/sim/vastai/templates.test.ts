import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {simControl} from '../control/control-client.js'
import {startVastSim, type VastSimHandle} from './server.js'

/** Replies are asserted field by field below; a loose type keeps those assertions readable. */
type Loose = any

const START = Date.parse('2026-11-22T23:00:00Z')
const KEY = 'vast-test-key-0123456789abcdef'
const VLLM = 'a3b7c4ee4de0fbcc79c320b759c1c615'
const OLLAMA = 'a8a44c7363cbca20056020397e3bf072'
const COMFY = '0975b65b4e7d3ccecd7f04bd886038dd'

let sim: VastSimHandle
let clock: ManualClock

async function api(method: string, path: string, body?: unknown, key: string | null = KEY): Promise<{status: number; json: Loose}> {
  const headers: Record<string, string> = {}
  if (key !== null) headers.Authorization = `Bearer ${key}`
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  const res = await fetch(sim.url + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)})
  const text = await res.text()
  return {status: res.status, json: text && res.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text}
}

const templates = (filters?: unknown) =>
  api('GET', `/api/v0/template/${filters === undefined ? '' : `?select_filters=${encodeURIComponent(typeof filters === 'string' ? filters : JSON.stringify(filters))}`}`)

/** The body the adapter sends with a template: no image, its published ports, no start command. */
function createBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    client_id: 'me', image: null, env: {}, price: null, disk: 120, label: 'gpu-shopper:dep1:sess1', extra: null, onstart: null,
    image_login: null, python_utf8: false, lang_utf8: false, use_jupyter_lab: false, jupyter_dir: null, force: false,
    cancel_unavail: false, template_hash_id: VLLM, user: null, runtype: 'ssh_direc ssh_proxy', ...extra,
  }
}

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startVastSim({clock, seed: 42, apiKey: KEY, timings: {provisioningMs: 1000, createdMs: 2000, loadingMs: 3000}})
  const offers = [2001, 2002, 2003].map((id) => ({
    id, gpu_name: 'RTX 5090', num_gpus: 1, gpu_ram: 32607, dph_base: 0.5, storage_cost: 0.15, cuda_max_good: 12.8,
    geolocation: 'Texas, US', verified: true, rentable: true, rented: false,
  }))
  await simControl(sim.url, 'POST', '/_sim/offers', {offers})
})

afterEach(async () => {
  await sim.close()
})

describe('GET /api/v0/template/', () => {
  it('serves template rows in the real shape: a docker-flag env string, extra_filters as JSON text, epoch created_at', async () => {
    // When the renter lists templates without a filter
    const res = await templates()

    // Then every template comes back under "templates", in the fields clients read
    expect(res.status).toBe(200)
    const rows = res.json.templates as Loose[]
    expect(rows.length).toBeGreaterThanOrEqual(6)
    for (const row of rows) {
      expect(row.hash_id).toMatch(/^[0-9a-f]{32}$/)
      expect(typeof row.env).toBe('string')
      expect(typeof row.created_at).toBe('number')
      expect(typeof row.recommended_disk_space).toBe('number')
      expect(JSON.parse(row.extra_filters)).toEqual(expect.any(Object))
    }
    const vllm = rows.find((t) => t.hash_id === VLLM)
    expect(vllm).toMatchObject({name: 'vLLM', image: 'vllm/vllm-openai', tag: 'v0.10.1.1', runtype: 'ssh', use_ssh: true, recommended: true, recommended_disk_space: 100, private: false})
    expect(JSON.parse(vllm.extra_filters)).toEqual({cuda_max_good: {gte: '12.8'}, gpu_total_ram: {gte: 20000}})
    expect(vllm.env).toContain('-p 8000:8000')
  })

  it('filters with select_filters in the offer query language', async () => {
    const recommended = (await templates({recommended: {eq: true}})).json.templates as Loose[]
    expect(recommended.length).toBeGreaterThanOrEqual(5)
    expect(recommended.every((t) => t.recommended === true)).toBe(true)
    expect(recommended.map((t) => t.hash_id)).not.toContain(COMFY)

    expect((await templates({hash_id: {eq: COMFY}})).json.templates.map((t: Loose) => t.name)).toEqual(['ComfyUI (community)'])
    expect((await templates({name: {eq: 'Ollama'}})).json.templates.map((t: Loose) => t.hash_id)).toEqual([OLLAMA])
    expect((await templates({id: {in: [338630, '342177']}})).json.templates.map((t: Loose) => t.id)).toEqual([338630, 342177])
    // Numbers compare numerically even when sent as strings, as vast.py sends them
    const big = (await templates({recommended_disk_space: {gte: '100'}, recommended: {neq: false}})).json.templates as Loose[]
    expect(big.map((t) => t.hash_id)).toEqual([VLLM])
    expect((await templates({hash_id: {eq: 'ffffffffffffffffffffffffffffffff'}})).json).toEqual({templates: []})
  })

  it.each([
    ['not JSON', '{recommended:'],
    ['not an object', '[1, 2]'],
    ['an unknown operator', {recommended: {is: true}}],
    ['in without a list', {id: {in: 338630}}],
    ['a column templates do not have', {cuda_max_good: {gte: 12}}],
  ])('answers a malformed filter (%s) with the invalid_args 400', async (_what, filters) => {
    const res = await templates(filters)
    expect(res.status).toBe(400)
    expect(res.json).toEqual({success: false, error: 'invalid_args', msg: expect.any(String)})
  })

  it('needs the API key', async () => {
    const res = await api('GET', '/api/v0/template/', undefined, null)
    expect(res.status).toBe(401)
    expect(res.json).toEqual({success: false, error: 'auth_error', msg: 'Invalid user key'})
  })
})

describe('PUT /api/v0/asks/{id}/ with template_hash_id', () => {
  it('merges the template in: its image:tag, env (ports included) and start command fill what the request leaves out', async () => {
    // When the adapter rents with the vLLM template, publishing one port of its own
    const res = await api('PUT', '/api/v0/asks/2001/', createBody({env: {'-p 6006:6006': '1'}}))
    expect(res.json).toEqual({success: true, new_contract: expect.any(Number)})
    const id = res.json.new_contract as number

    // Then the instance runs the template's image with its variables and ports merged with the request's
    const shown = (await api('GET', `/api/v0/instances/${id}/?owner=me`)).json.instances
    expect(shown).toMatchObject({
      image_uuid: 'vllm/vllm-openai:v0.10.1.1',
      onstart: expect.stringContaining('vllm serve'),
      image_runtype: 'ssh_direc ssh_proxy',
      template_id: 342177,
      template_hash_id: VLLM,
      template_name: 'vLLM',
      disk_space: 120,
    })
    expect(Object.fromEntries(shown.extra_env)).toEqual({
      '-p 8000:8000': '1',
      VLLM_MODEL: 'Qwen/Qwen3-8B',
      VLLM_ARGS: '--max-model-len 8192 --gpu-memory-utilization 0.90',
      HF_TOKEN: 'hf_vastTemplatePlaceholder0000',
      '-p 6006:6006': '1',
    })
    // And once running, the template's port is published as a -p mapping is
    clock.advance(6000)
    const running = (await api('GET', `/api/v0/instances/${id}/?owner=me`)).json.instances
    expect(running.actual_status).toBe('running')
    expect(Object.keys(running.ports).sort()).toEqual(['22/tcp', '6006/tcp', '8000/tcp'])
  })

  it('lets what the request sets win: its image, its start command, and its value for a variable the template also sets', async () => {
    const body = createBody({image: 'vllm/vllm-openai:v0.8.5', onstart: 'echo mine', env: {VLLM_MODEL: 'org/other', '-p 8000:8000': '1'}, disk: null})
    const id = (await api('PUT', '/api/v0/asks/2002/', body)).json.new_contract as number
    const shown = (await api('GET', `/api/v0/instances/${id}/?owner=me`)).json.instances
    expect(shown).toMatchObject({image_uuid: 'vllm/vllm-openai:v0.8.5', onstart: 'echo mine', template_hash_id: VLLM})
    expect(Object.fromEntries(shown.extra_env)).toMatchObject({VLLM_MODEL: 'org/other', '-p 8000:8000': '1'})
    // No disk asked for: the template's recommended disk
    expect(shown.disk_space).toBe(100)
  })

  it('refuses an unknown template hash with an invalid_args 400 and leaves the offer for a good create', async () => {
    const bad = await api('PUT', '/api/v0/asks/2003/', createBody({template_hash_id: 'ffffffffffffffffffffffffffffffff'}))
    expect(bad.status).toBe(400)
    expect(bad.json).toEqual({success: false, error: 'invalid_args', msg: expect.stringContaining('ffffffffffffffffffffffffffffffff')})
    expect((await api('PUT', '/api/v0/asks/2003/', createBody({template_hash_id: OLLAMA}))).json.success).toBe(true)
  })

  it('still needs an image when no template is named', async () => {
    const res = await api('PUT', '/api/v0/asks/2001/', createBody({template_hash_id: null}))
    expect(res.status).toBe(400)
    expect(res.json.msg).toBe('image is required')
  })
})
