import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {createApiClient} from '../src/client/api-client.js'
import {httpFetch, type HttpFetch} from '../src/client/http-transport.js'
import {appPaths} from '../src/config/paths.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import {Dashboard} from './dashboard.js'
import {createTuiServices} from './services.js'
import {renderTui, type RenderedTui} from './test-render.js'

/**
 * Renting with a workload, typed into the provision form of a real dashboard over a real daemon
 * and its simulated markets: the form checks what to run before asking, the confirmation says
 * what will run, the create carries only what was set, and the session's detail shows the launch.
 */
let daemon: TestDaemon
let screen: RenderedTui | undefined
const creates: Array<{body: Record<string, unknown>; idempotencyKey: string | undefined}> = []

beforeAll(async () => {
  daemon = await startTestDaemon('tui-launch')
})

afterAll(async () => {
  await daemon.close()
})

afterEach(() => {
  screen?.unmount()
  screen = undefined
})

function dashboard(): RenderedTui {
  creates.length = 0
  const recording: HttpFetch = (url, init) => {
    if (init?.method === 'POST' && new URL(String(url)).pathname.endsWith('/sessions')) {
      creates.push({body: JSON.parse(init.body ?? '{}') as Record<string, unknown>, idempotencyKey: init.headers?.['x-idempotency-key']})
    }
    return httpFetch(url, init)
  }
  const client = createApiClient({baseUrl: daemon.daemon.url, token: daemon.daemon.token, timeoutMs: 5_000, fetch: recording})
  const services = createTuiServices({
    client,
    paths: appPaths({GPU_SHOPPER_HOME: daemon.home}),
    consumer: 'launch-test',
    runSsh: () => {},
    copyToClipboard: () => {},
  })
  void services.offers.load()
  screen = renderTui(<Dashboard services={services} />)
  return screen
}

/** A bordered box's text as one line: wrapped lines joined again, borders dropped. */
function unwrapped(frame: string): string {
  return frame
    .split('\n')
    .map((l) => l.replace(/^[│╭╰].?/, '').replace(/.?[│╮╯]\s*$/, '').trim())
    .filter(Boolean)
    .join(' ')
}

/** Opens the provision form on an offer the filter leaves: the first, or the one `skip` rows below it. */
async function openForm(s: RenderedTui, filter: string, skip = 0): Promise<void> {
  await s.waitFor(/Inventory +[1-9][\d,]* of/)
  await s.type(`/${filter}`)
  await s.press('enter')
  await s.waitFor((f) => /Inventory +[1-9][\d,]* of [\d,]+ offers +\//.test(f) && !f.includes('▏'))
  await down(s, skip)
  await s.type('p')
  await s.waitFor('Consumer     launch-test')
}

async function down(s: RenderedTui, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await s.press('down')
}

describe('renting with a workload from the form', () => {
  it('checks the fields, says what will run, sends only what applies, and shows the launch on the session', async () => {
    const s = dashboard()
    await openForm(s, '4090 vastai')

    // Given a box that starts a command and publishes its port, typed field by field
    await down(s, 4)
    await s.waitFor(/^│ Image +▏/m)
    await s.type('pytorch/pytorch:2.5.1')
    await s.press('down')
    await s.type('python3 -m http.server 8000')
    await s.press('down')
    await s.type('8000 22')
    await s.waitFor('Expose       8000 22▏')
    // When it is reviewed, Then the port nobody may publish is refused there, naming the field
    await s.press('enter')
    await s.waitFor('Expose 22 is SSH, which every session has already')
    await s.press('backspace')
    await s.press('backspace')
    await s.press('enter')
    const box = unwrapped(await s.waitFor('Rent this machine?'))
    expect(box).toContain(
      "Workload ssh: runs `python3 -m http.server 8000` once the box is verified (output in ~/.gpu-shopper/workload.log), in pytorch/pytorch:2.5.1, publishes port 8000; running once it is started.",
    )
    await s.type('n')
    await s.waitFor('On start     python3 -m http.server 8000')
    expect(creates).toEqual([])

    // When the workload becomes a model server, Then the model takes the start command's place
    await s.press('up')
    await s.press('up')
    await s.press('up')
    await s.type(' ')
    await s.waitFor(/Workload +llm_vllm +space\/←→ · serves a model on port 8000; running once \/health answers/)
    const form = s.frame()
    expect(form).toMatch(/^│ Model +/m)
    expect(form).not.toContain('On start')
    // and, asked for without a model, it says which field to fill in
    await s.press('enter')
    await s.waitFor('Model is required with workload type llm_vllm: the model to serve, e.g. Qwen/Qwen2.5-0.5B-Instruct.')
    await s.press('down')
    await s.type('Qwen/Qwen2.5-0.5B-Instruct')
    await s.press('down')
    await s.type('\u0015') // Ctrl-U: the server's own image instead of the box's
    await s.waitFor(/^│ Image +▏/m)
    await s.press('enter')
    const confirm = unwrapped(await s.waitFor('Rent this machine?'))
    expect(confirm).toContain('Workload llm_vllm: serves Qwen/Qwen2.5-0.5B-Instruct with vllm/vllm-openai:v0.8.5 on port 8000; running once /health answers.')
    expect(confirm).toMatch(/Expected cost of the reservation: \$\d+\.\d\d/)
    expect(creates).toEqual([])

    // When it is confirmed, Then one create goes out with what applies to a model server only
    await s.type('y')
    const sessions = await s.waitFor(/Sessions +1 shown/)
    const id = /(sess-[0-9a-f]+)/.exec(sessions)![1]!
    expect(creates).toHaveLength(1)
    const {ssh_public_key: publicKey, offer_id: offerId, ...body} = creates[0]!.body
    expect(publicKey).toMatch(/^ssh-ed25519 /)
    expect(offerId).toMatch(/^vastai-/)
    expect(body).toEqual({consumer_id: 'launch-test', workload_type: 'llm_vllm', reservation_hours: 1, disk_gb: 50, expose: [8000], model_id: 'Qwen/Qwen2.5-0.5B-Instruct'})
    expect(creates[0]!.idempotencyKey).toMatch(/^tui-/)

    // And the session's detail shows what it runs and how to reach its API from here
    await s.waitFor('llm_vllm serving Qwen/Qwen2.5-0.5B-Instruct · image vllm/vllm-openai:v0.8.5 · port 8000')
    await s.waitFor(new RegExp(`^API (waiting for /health|http://\\S+) · on this machine: gpu-shopper connect ${id} --forward api -N$`, 'm'))
  })

  it("shows the daemon's refusal of what the provider cannot run, and keeps one idempotency key per set of values", async () => {
    const s = dashboard()
    await openForm(s, 'tensordock')
    await down(s, 3)
    await s.type(' ')
    await s.press('down')
    await s.type('Qwen/Qwen2.5-0.5B-Instruct')
    await s.press('enter')
    await s.waitFor('Rent this machine?')
    await s.type('y')
    await s.waitFor(/a model server runs from its container image, and tensordock rents VMs from OS images.*No instance was created/s)
    expect(creates).toHaveLength(1)
    expect(creates[0]!.body).toMatchObject({workload_type: 'llm_vllm', model_id: 'Qwen/Qwen2.5-0.5B-Instruct'})

    // When the same values are sent again, Then under the same key
    await s.press('enter')
    await s.waitFor('Rent this machine?')
    await s.type('y')
    await s.waitFor((f) => creates.length === 2 && f.includes('Consumer     launch-test') && f.includes('No instance was created'))
    expect(creates[1]!.idempotencyKey).toBe(creates[0]!.idempotencyKey)

    // When the values change, Then under a new one
    await s.press('up')
    await s.press('right')
    await s.waitFor(/Workload +llm_tgi/)
    await s.press('enter')
    await s.waitFor('Rent this machine?')
    await s.type('y')
    await s.waitFor(() => creates.length === 3)
    expect(creates[2]!.body).toMatchObject({workload_type: 'llm_tgi'})
    expect(creates[2]!.idempotencyKey).not.toBe(creates[0]!.idempotencyKey)
  })

  it('rents with a template and auto-retry: the template raises the disk, the confirmation says both, and the create carries them', async () => {
    const s = dashboard()
    // Not the offer the first case rented
    await openForm(s, '4090 vastai', 1)
    // Given the form's safety rows below what to run
    await down(s, 7)
    await s.waitFor(/^│ Template +none +space\/←→ · \d+ run on this offer/m)
    // When a template is picked, Then its name shows and the disk is raised to what it needs (never below the default)
    await s.type(' ')
    const picked = await s.waitFor(/^│ Template +(?!none)\S/m)
    const name = /^│ Template +(.+?) {2,}/m.exec(picked)![1]!
    const disk = Number(/^│ Disk GB +(\d+)/m.exec(picked)![1])
    expect(disk).toBeGreaterThanOrEqual(50)
    // And auto-retry is turned on with two more tries, in the price band, with an SSH timeout
    await s.press('down')
    await s.type('  ')
    await s.waitFor(/^│ Auto-retry +up to 2 more tries/m)
    await s.press('down')
    await s.press('right')
    await s.waitFor(/^│ Retry scope +same-price-band/m)
    await s.press('down')
    await s.type('20')
    // When it is reviewed, Then a timeout below the floor is refused naming the field
    await s.press('enter')
    await s.waitFor('SSH timeout must be a whole number of seconds from 30 to 10800, or empty.')
    await s.press('backspace')
    await s.press('backspace')
    await s.type('120')
    await s.press('enter')
    const confirm = unwrapped(await s.waitFor('Rent this machine?'))
    const [, templateId] = new RegExp(`Template ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\((vastai-[0-9a-f]+)\\)`).exec(confirm) ?? []
    expect(templateId, confirm).toBeDefined()
    expect(confirm).toContain(
      'Auto-retry: a host that does not boot or let us in within 120 s is destroyed, and up to 2 more tries are made on comparable offers (any GPU model at most 25% dearer, as many GPUs and as much VRAM), each its own session.',
    )
    expect(confirm).toContain(`${disk} GB disk`)

    // When it is confirmed, Then one create carries the template and the retry terms, and the daemon takes it
    await s.type('y')
    const rented = await s.waitFor(/Rented \d+x RTX 4090 as sess-[0-9a-f]+/)
    const id = /Rented \d+x RTX 4090 as (sess-[0-9a-f]+)/.exec(rented)![1]!
    expect(creates).toHaveLength(1)
    expect(creates[0]!.body).toMatchObject({
      template: templateId,
      disk_gb: disk,
      auto_retry: true,
      max_retries: 2,
      retry_scope: 'same-price-band',
      ssh_timeout_seconds: 120,
    })
    const get = async (url: string) => (await daemon.daemon.app.inject({method: 'GET', url, headers: {authorization: `Bearer ${daemon.daemon.token}`}})).json()
    expect(disk).toBe(Math.max(50, Math.ceil((await get(`/api/v1/templates/${templateId}`)).recommended_disk_gb ?? 0)))
    expect(await get(`/api/v1/sessions/${id}`)).toMatchObject({
      template_hash_id: templateId!.slice('vastai-'.length),
      disk_gb: disk,
      auto_retry: {max_retries: 2, retry_scope: 'same-price-band', ssh_timeout_seconds: 120},
    })
  })
})
