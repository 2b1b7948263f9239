import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {createApiClient} from '../src/client/api-client.js'
import {appPaths} from '../src/config/paths.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import {Dashboard} from './dashboard.js'
import {createTuiServices, type TuiServices} from './services.js'
import {renderTui, type RenderedTui} from './test-render.js'

/**
 * The dashboard's layout and messages against a real daemon: columns that matter survive a
 * narrow terminal and none hogs a wide one, the timeline speaks one time format, and a toast
 * lives only as long as its screen.
 */
let daemon: TestDaemon
let screen: RenderedTui | undefined
let sessionId: string

function dashboard(size: {columns: number; rows: number}): TuiServices {
  const client = createApiClient({baseUrl: daemon.daemon.url, token: daemon.daemon.token, timeoutMs: 5_000})
  const services = createTuiServices({
    client,
    paths: appPaths({GPU_SHOPPER_HOME: daemon.home}),
    consumer: 'polish-test',
    runSsh: () => {},
    copyToClipboard: () => {},
  })
  void services.offers.load()
  screen = renderTui(
    <Dashboard services={services} />,
    size,
  )
  return services
}

/** Where each header of the table whose header line starts with `first` starts, and how far to the next one. */
function headerColumns(frame: string, first: string): Map<string, {start: number; span: number}> {
  const header = frame.split('\n').find((l) => l.startsWith(`${first} `))
  if (!header) throw new Error(`no header starting with ${first}:\n${frame}`)
  const cells = [...header.matchAll(/\S+/g)].map((m) => ({name: m[0].replace(/[↑↓]$/, ''), start: m.index}))
  return new Map(cells.map((c, i) => [c.name, {start: c.start, span: (cells[i + 1]?.start ?? header.trimEnd().length) - c.start}]))
}

beforeAll(async () => {
  daemon = await startTestDaemon('tui-polish')
  // Given a session that has been extended, so its timeline holds a message with a time in it
  const client = createApiClient({baseUrl: daemon.daemon.url, token: daemon.daemon.token, timeoutMs: 5_000})
  const {offers} = await client.inventory.list({gpu_type: 'RTX 4090', limit: 1})
  const created = await client.sessions.create({consumer_id: 'polish-test', offer_id: offers[0]!.id, workload_type: 'llm', reservation_hours: 1}, {idempotencyKey: 'polish-1'})
  sessionId = created.session.id
  const deadline = Date.now() + 30_000
  while ((await client.sessions.get(sessionId)).status !== 'running') {
    if (Date.now() > deadline) throw new Error(`${sessionId} did not run in time`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await client.sessions.extend(sessionId, 1)
})

afterAll(async () => {
  await daemon.close()
})

afterEach(() => {
  screen?.unmount()
  screen = undefined
})

describe('the dashboard layout', () => {
  it('keeps state, host, uptime, expiry and cost of a session on an 80x24 terminal', async () => {
    dashboard({columns: 80, rows: 24})
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type('2')
    const frame = await screen!.waitFor((f) => f.includes(sessionId) && f.includes('running'))
    const columns = headerColumns(frame, 'ID')
    for (const name of ['ID', 'STATE', 'HOST', 'UPTIME', 'EXPIRES', 'COST']) expect([...columns.keys()], frame).toContain(name)
    const row = frame.split('\n').find((l) => l.startsWith(sessionId))!
    expect(row).toMatch(/root@127\.0\.0\.1/)
    expect(row).toMatch(/in \d+[hm]/)
    expect(row).toMatch(/\$\d+\.\d+/)
    expect(Math.max(...frame.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80)
  })

  it('gives no inventory column more than its share of a 160-column terminal', async () => {
    dashboard({columns: 160, rows: 30})
    const frame = await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    const columns = headerColumns(frame, 'GPU')
    // LOCATION is left-aligned and RELIAB fills its cell: the span is the width plus the gap
    expect(columns.get('LOCATION')!.span, frame).toBeLessThanOrEqual(30 + 2)
    // N is right-aligned in 2 cells: one more cell of padding before its header
    expect(columns.get('GPU')!.span, frame).toBeLessThanOrEqual(24 + 2 + 1)
    for (const name of ['GPU', 'N', 'VRAM', 'PROVIDER', 'LOCATION', 'RELIAB', 'SEEN']) expect([...columns.keys()], frame).toContain(name)
  })
})

describe('the session timeline', () => {
  it('shows times inside event messages in the clock format of the timeline, not as ISO timestamps', async () => {
    dashboard({columns: 140, rows: 40})
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type('2')
    const frame = await screen!.waitFor('reservation extended by 1h to ')
    const line = frame.split('\n').find((l) => l.includes('reservation extended by 1h to '))!
    expect(line).toMatch(/^\d\d:\d\d .*reservation extended by 1h to (\d{4}-\d\d-\d\d )?\d\d:\d\d\b/)
    expect(frame).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/)
  })
})

describe('toasts', () => {
  it('are cleared when the user moves to another screen', async () => {
    dashboard({columns: 120, rows: 30})
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    // Given a toast on the inventory
    await screen!.type('r')
    await screen!.waitFor('Reloading the market')

    // When the user moves to the sessions and back
    await screen!.type('2')
    await screen!.waitFor((f) => f.includes(sessionId))
    expect(screen!.frame()).not.toContain('Reloading the market')
    await screen!.type('1')
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)

    // Then it is gone, not waiting to reappear
    expect(screen!.frame()).not.toContain('Reloading the market')
  })

  it('raised by a screen the user has left are not shown on the next one', async () => {
    const services = dashboard({columns: 120, rows: 30})
    await screen!.waitFor(/Inventory +[1-9][\d,]* of/)
    await screen!.type('2')
    await screen!.waitFor((f) => f.includes(sessionId))
    const before = (await services.client.sessions.get(sessionId)).expires_at

    // When an extend started on the sessions screen is answered after the user went to the costs
    await screen!.type('e')
    await screen!.waitFor(`Extend ${sessionId}`)
    await screen!.type('1')
    await screen!.press('enter')
    await screen!.type('3')
    await screen!.waitFor(/Costs +/)
    const deadline = Date.now() + 15_000
    while ((await services.client.sessions.get(sessionId)).expires_at === before) {
      if (Date.now() > deadline) throw new Error('the extend did not land')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    // Then its answer is not shown there, once the costs screen has drawn again
    await screen!.waitFor((f) => /Costs +\d{4}-\d\d: /.test(f))
    expect(screen!.frame()).not.toContain('now expires at')
    expect(screen!.frame()).not.toContain(`Extending ${sessionId}`)
  })
})
