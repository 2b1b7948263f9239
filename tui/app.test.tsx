import {existsSync} from 'node:fs'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {createApiClient} from '../src/client/api-client.js'
import {appPaths} from '../src/config/paths.js'
import {ensureLibvirtHost, TEST_BASE_IMAGE} from '../test/support/libvirt-host.js'
import {startLoopbackSshd} from '../test/support/loopback-sshd.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import {Dashboard} from './dashboard.js'
import {createTuiServices, type TuiServices} from './services.js'
import {renderTui, type RenderedTui} from './test-render.js'

let daemon: TestDaemon
let screen: RenderedTui | undefined

beforeAll(async () => {
  daemon = await startTestDaemon('tui')
})

afterAll(async () => {
  await daemon.close()
})

afterEach(() => {
  screen?.unmount()
  screen = undefined
})

interface Harness {
  services: TuiServices
  sshRuns: Array<readonly string[]>
  clipboard: string[]
}

function dashboard(baseUrl = daemon.daemon.url, size?: {columns?: number; rows?: number}): Harness {
  const sshRuns: Array<readonly string[]> = []
  const clipboard: string[] = []
  const client = createApiClient({baseUrl, token: daemon.daemon.token, timeoutMs: 5_000})
  const services = createTuiServices({
    client,
    paths: appPaths({GPU_SHOPPER_HOME: daemon.home}),
    consumer: 'tui-test',
    runSsh: (argv) => sshRuns.push(argv),
    copyToClipboard: (text) => clipboard.push(text),
  })
  void services.offers.load()
  screen = renderTui(
    <Dashboard services={services} />,
    size,
  )
  return {services, sshRuns, clipboard}
}

/** The table rows of the inventory: lines between the header and the detail pane. */
function offerRows(frame: string): string[] {
  const lines = frame.split('\n')
  const header = lines.findIndex((l) => l.startsWith('GPU '))
  const end = lines.findIndex((l, i) => i > header && l.startsWith('── '))
  return lines.slice(header + 1, end).filter((l) => l.trim())
}

describe('the dashboard', () => {
  it('shows the simulated market loudly, filters as you type and sorts by one key', async () => {
    dashboard()
    const first = await screen!.waitFor((f) => /Inventory +[1-9][\d,]* of [\d,]+ offers/.test(f) && f.includes('SIMULATED MARKET'))
    expect(first).toContain('SIMULATED MARKET')
    expect(first).toMatch(/\$\/H↑/)
    // The detail pane opens with a rule across the terminal, after the selected offer's id
    const rule = first.split('\n').find((l) => l.startsWith('── '))
    expect(rule).toMatch(/^── \S+ ─+$/)
    expect(rule).toHaveLength(120)

    await screen!.type('/4090')
    const filtered = await screen!.waitFor((f) => f.includes('/4090▏') && offerRows(f).length > 0 && offerRows(f).every((r) => r.startsWith('RTX 4090')))
    expect(filtered).toMatch(/Inventory +[\d,]+ of [\d,]+ offers +\/4090/)
    await screen!.press('enter')
    await screen!.type('P')
    const descending = await screen!.waitFor('$/H↓')
    const prices = offerRows(descending).map((r) => Number(/\$(\d+\.\d+)/.exec(r)![1]))
    expect(prices).toEqual([...prices].sort((a, b) => b - a))

    await screen!.press('escape')
    await screen!.waitFor((f) => !f.includes('/4090') && offerRows(f).some((r) => !r.startsWith('RTX 4090')))
  })

  it('takes quick filters from a prompt and refuses nonsense there, inline', async () => {
    dashboard()
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type('n')
    await screen!.waitFor('Minimum GPU count')
    await screen!.type('99')
    await screen!.press('enter')
    await screen!.waitFor('the GPU count is a whole number from 1 to 64')
    await screen!.press('backspace')
    await screen!.press('backspace')
    await screen!.type('4')
    await screen!.press('enter')
    const frame = await screen!.waitFor('≥ 4 GPUs')
    // N is right-aligned in 2 cells ending where its header ends; the GPU column before it flexes
    const nEnd = frame.split('\n').find((l) => l.startsWith('GPU '))!.search(/ N /) + 2
    const counts = offerRows(frame).map((r) => Number(r.slice(nEnd - 2, nEnd)))
    expect(counts.length).toBeGreaterThan(0)
    expect(counts.every((n) => n >= 4)).toBe(true)
    await screen!.type('x')
    await screen!.waitFor((f) => !f.includes('≥ 4 GPUs'))
  })

  it('rents the selected offer after a confirmation with the expected cost, then follows, connects and releases it', async () => {
    const {services, sshRuns, clipboard} = dashboard()
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type('/4090 vastai')
    await screen!.press('enter')
    await screen!.waitFor((f) => offerRows(f).length > 0 && offerRows(f).every((r) => r.startsWith('RTX 4090')))
    await screen!.type('p')
    await screen!.waitFor('Consumer     tui-test')
    await screen!.press('down')
    await screen!.press('backspace')
    await screen!.type('3')
    await screen!.press('enter')
    const confirm = await screen!.waitFor('Expected cost of the reservation')
    // The rate may be followed by what it includes ("with 50 GB disk").
    const [, price] = /\(3 h × \$(\d+\.\d+)\/h\b/.exec(confirm) ?? []
    expect(price, confirm).toBeDefined()
    expect(confirm).toContain(`Expected cost of the reservation: $${(Number(price) * 3).toFixed(2)}`)

    await screen!.type('y')
    const sessions = await screen!.waitFor(/Sessions +1 shown/)
    const id = /(sess-[0-9a-f]+)/.exec(sessions)![1]!
    await screen!.waitFor(/running +1x RTX 4090/, 30_000)
    await screen!.waitFor('status → running')

    await screen!.type('y')
    await screen!.waitFor('Copied: ssh')
    expect(clipboard[0]).toMatch(/^ssh .*-p \d+/)

    await screen!.type('c')
    await pollFor(() => sshRuns.length === 1)
    expect(sshRuns[0]).toContain('StrictHostKeyChecking=yes')
    expect(existsSync(sshRuns[0]![sshRuns[0]!.indexOf('-i') + 1]!)).toBe(true)

    const before = await services.client.sessions.get(id)
    await screen!.type('e')
    // Reserved for 3 h: 9 of the 12 hours are left to add.
    await screen!.waitFor(`Extend ${id} by how many hours (1-9)`)
    await screen!.type('x2')
    await screen!.press('enter')
    await screen!.waitFor(`${id} now expires at`)
    const extended = await services.client.sessions.get(id)
    expect(Date.parse(extended.expires_at) - Date.parse(before.expires_at)).toBe(2 * 3_600_000)
    // The range comes from the listed session: wait for the list to show the new expiry.
    await screen!.waitFor((f) => /in 4h 5\dm/.test(f))
    await screen!.type('e')
    await screen!.waitFor(`Extend ${id} by how many hours (1-7)`)
    await screen!.type('8')
    await screen!.press('enter')
    await screen!.waitFor('a whole number of hours from 1 to 7')
    await screen!.press('escape')
    await screen!.waitFor((f) => !f.includes('by how many hours'))

    await screen!.press('ctrlK')
    await screen!.waitFor(`Force shutdown of ${id} now?`)
    await screen!.press('escape')
    await screen!.waitFor(/running +1x RTX 4090/)

    await screen!.type('d')
    await screen!.waitFor(`Release ${id}?`)
    await screen!.type('n')
    await screen!.waitFor(/running +1x RTX 4090/)
    await screen!.type('d')
    await screen!.waitFor(`Release ${id}?`)
    await screen!.type('y')
    await screen!.waitFor(/stopped +1x RTX 4090/, 30_000)
  })

  it("shows a self-hosted node's slices beside the rentals, at the owner's price", async () => {
    ensureLibvirtHost()
    const sshd = await startLoopbackSshd()
    try {
      const node = {
        name: 'tui-lab', host: sshd.host, port: sshd.port, user: sshd.user, identity_file: sshd.identityFile, region: 'home-lab',
        price_per_gpu_hour: 0.5, cpu_slices: 1, cpu_slice_price_per_hour: 0.07, virt_type: 'qemu', base_image: TEST_BASE_IMAGE,
      }
      expect((await nodesApi('POST', '', node)).status).toBe(201)
      dashboard()
      await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
      await screen!.type('/selfhosted')
      await screen!.press('enter')
      const frame = await screen!.waitFor((f) => offerRows(f).length === 1 && offerRows(f)[0]!.includes('selfhosted'))
      const row = offerRows(frame)[0]!
      for (const column of ['selfhosted', '$0.07', 'home-lab']) expect(row).toContain(column)
      await screen!.press('escape')
      // Beside the rentals: the same list holds both.
      await screen!.waitFor((f) => offerRows(f).some((r) => r.includes('vastai')) && !f.includes('/selfhosted'))
    } finally {
      await nodesApi('DELETE', '/tui-lab')
      await sshd.stop()
    }
  })

  it('jumps between screens with : and shows costs and budgets', async () => {
    dashboard()
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type(':cos')
    await screen!.waitFor(':cos▏')
    await screen!.press('enter')
    const costs = await screen!.waitFor(/Costs +\d{4}-\d{2}: \$/)
    expect(costs).toContain('Daily (UTC)')
    expect(costs).toContain('Budgets this month')
    await screen!.type(':nowhere')
    await screen!.press('enter')
    await screen!.waitFor('No screen "nowhere"')
  })

  it('lists every key of the screen in the help, from the keymap', async () => {
    dashboard()
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type('?')
    const help = await screen!.waitFor('Help: Inventory')
    expect(help).toContain('Rent the selected offer')
    expect(help).toContain('(asks first)')
    await screen!.press('escape')
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
  })

  it('fits a resized terminal', async () => {
    dashboard(undefined, {columns: 120, rows: 40})
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    screen!.resize(80, 20)
    const small = await screen!.waitFor((f) => f.split('\n').length <= 19 && f.includes('<p>'))
    expect(Math.max(...small.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80)
  })

  it('says inline when the daemon cannot be reached, and keeps running', async () => {
    dashboard('http://127.0.0.1:1')
    const frame = await screen!.waitFor('not running at http://127.0.0.1:1')
    expect(frame).toContain('The market could not be loaded.')
    await screen!.type('2')
    await screen!.waitFor(/Sessions .*not running/)
  })
})

function nodesApi(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${daemon.daemon.url}/api/v1/nodes${path}`, {
    method,
    headers: {authorization: `Bearer ${daemon.daemon.token}`, ...(body ? {'content-type': 'application/json'} : {})},
    body: body ? JSON.stringify(body) : undefined,
  })
}

async function pollFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
