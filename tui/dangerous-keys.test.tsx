import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {createApiClient} from '../src/client/api-client.js'
import {httpFetch, type HttpFetch} from '../src/client/http-transport.js'
import {appPaths} from '../src/config/paths.js'
import {pollUntil} from '../test/support/poll.js'
import {startTestDaemon, type TestDaemon} from '../test/support/test-daemon.js'
import {Dashboard} from './dashboard.js'
import {KEYMAP, type ActionId, type Binding, type ScreenId} from './keymap.js'
import {createTuiServices} from './services.js'
import {KEYS, renderTui, type RenderedTui} from './test-render.js'

/**
 * Every binding the keymap flags dangerous, pressed for real against a real daemon: the
 * confirmation comes up before anything is sent, n sends nothing, and y sends exactly one
 * request, about the thing selected. The walk reads the keymap, so a new dangerous key is
 * tested the day it is flagged.
 */
let daemon: TestDaemon
let screen: RenderedTui | undefined
const sent: Array<{method: string; url: string; body: string}> = []
/** Requests that change something; the dashboard's polls and lookups are GETs. */
const mutating = () => sent.filter((r) => r.method !== 'GET')

const DANGEROUS = KEYMAP.filter((b) => b.dangerous).flatMap((binding) => binding.keys.map((chord) => ({binding, chord})))

/** The confirmation as ConfirmView draws it: "y <what yes does>   n / esc  <what no does>". */
const CONFIRMATION = /^│ y \S.* {3}n \/ esc {2}\S/m

/**
 * What reaching a dangerous action's confirmation takes after its key, where it is more than
 * the key: renting fills a form first (its defaults are valid) and submits it.
 */
const REACH: Partial<Record<ActionId, (s: RenderedTui) => Promise<void>>> = {
  provision: async (s) => {
    await s.waitFor('Consumer     dangerous-test')
    await s.press('enter')
  },
}

/** Each session-scoped case acts on a session of its own, so a yes in one leaves the next its target. */
const sessionIds: string[] = []

beforeAll(async () => {
  daemon = await startTestDaemon('tui-dangerous')
  const client = createApiClient({baseUrl: daemon.daemon.url, token: daemon.daemon.token, timeoutMs: 5_000})
  const cases = DANGEROUS.filter((c) => c.binding.scope === 'sessions')
  const {offers} = await client.inventory.list({provider: 'vastai', limit: cases.length + 1})
  for (const [i, offer] of offers.entries()) {
    // Resuming takes a preserved session: one that kept its disk, released and stopped.
    const preserve = cases[i]?.binding.action === 'resume'
    const created = await client.sessions.create(
      {consumer_id: 'dangerous-test', offer_id: offer.id, workload_type: 'ssh', reservation_hours: 1, ...(preserve ? {storage_policy: 'preserve' as const} : {})},
      {idempotencyKey: `dangerous-${i}`},
    )
    sessionIds.push(created.session.id)
    if (preserve) {
      await pollUntil(async () => ((await client.sessions.get(created.session.id)).status === 'running' ? true : undefined), 'the session to run', 60_000, 100)
      await client.sessions.done(created.session.id, {idempotencyKey: `dangerous-done-${i}`})
      await pollUntil(async () => ((await client.sessions.get(created.session.id)).status === 'preserved' ? true : undefined), 'the session to be preserved', 60_000, 100)
    }
  }
})

afterAll(async () => {
  await daemon.close()
})

afterEach(() => {
  screen?.unmount()
  screen = undefined
})

/** The dashboard over a client that records every request; the market loads only where it is needed. */
function dashboard(loadMarket: boolean): RenderedTui {
  sent.length = 0
  const recording: HttpFetch = (url, init) => {
    sent.push({method: init?.method ?? 'GET', url: String(url), body: init?.body ?? ''})
    return httpFetch(url, init)
  }
  const client = createApiClient({baseUrl: daemon.daemon.url, token: daemon.daemon.token, timeoutMs: 5_000, fetch: recording})
  const services = createTuiServices({
    client,
    paths: appPaths({GPU_SHOPPER_HOME: daemon.home}),
    consumer: 'dangerous-test',
    runSsh: () => {},
    copyToClipboard: () => {},
  })
  if (loadMarket) void services.offers.load()
  screen = renderTui(
    <Dashboard services={services} />,
  )
  return screen
}

const NAMED: Record<string, keyof typeof KEYS> = {
  up: 'up',
  down: 'down',
  pageup: 'pageUp',
  pagedown: 'pageDown',
  home: 'home',
  end: 'end',
  enter: 'enter',
  escape: 'escape',
  tab: 'tab',
}

/** Types a keymap chord as a terminal sends it. */
async function pressChord(s: RenderedTui, chord: string): Promise<void> {
  if (chord.startsWith('ctrl+')) return s.type(String.fromCharCode(chord.charCodeAt(5) - 96))
  if (chord === 'space') return s.type(' ')
  const named = NAMED[chord]
  if (named) return s.press(named)
  if (chord.length !== 1) throw new Error(`no way to type the chord "${chord}" yet: add it to NAMED`)
  return s.type(chord)
}

/** Goes to the binding's screen and selects something to act on; returns its id as the detail pane shows it. */
async function selectTarget(s: RenderedTui, binding: Binding, sessionId: string | undefined): Promise<string> {
  const target: ScreenId = binding.scope === 'global' || binding.scope === 'list' ? 'inventory' : binding.scope
  await pressChord(s, KEYMAP.find((b) => b.action === `screen.${target}`)!.keys[0]!)
  if (target === 'sessions') {
    await s.type(`/${sessionId}`)
    await s.press('enter')
    await s.waitFor((f) => /Sessions +1 shown/.test(f) && f.includes(`── ${sessionId} events`))
  } else if (target === 'inventory') {
    await s.waitFor(/Inventory +[1-9][\d,]* of/)
  }
  const frame = await s.waitFor(/^── \S+ /m)
  return /^── (\S+) /m.exec(frame)![1]!
}

async function reachConfirmation(s: RenderedTui, binding: Binding, chord: string): Promise<string> {
  await pressChord(s, chord)
  await REACH[binding.action]?.(s)
  return s.waitFor(CONFIRMATION)
}

describe('dangerous keys', () => {
  it('are the ones that rent or end a machine, each reachable from its screen', () => {
    expect(DANGEROUS.map((c) => `${c.binding.action}:${c.chord}`).sort()).toEqual(['done:d', 'provision:p', 'resume:s', 'shutdown:ctrl+k'])
  })

  let sessionCase = 0
  for (const {binding, chord} of DANGEROUS) {
    const sessionId = binding.scope === 'sessions' ? () => sessionIds[sessionCase++] : () => undefined
    it(`${binding.action} (${chord}) asks first: nothing is sent on n, one request about the selection on y`, async () => {
      const s = dashboard(binding.scope === 'inventory')
      const target = await selectTarget(s, binding, sessionId())

      // When the key is pressed, Then the confirmation shows and nothing has been sent
      const asked = await reachConfirmation(s, binding, chord)
      expect(asked).toContain(target)
      expect(mutating()).toEqual([])

      // When the answer is n, Then the confirmation goes and still nothing is sent
      await s.type('n')
      await s.waitFor((f) => !CONFIRMATION.test(f))
      // A form that asked is back as it was; Esc closes it, as it would for the user.
      if (REACH[binding.action]) {
        await s.waitFor('Consumer     dangerous-test')
        await s.press('escape')
      }
      // The refresh key is a barrier: anything the n set off was sent before the GETs it causes.
      const before = sent.length
      await pressChord(s, KEYMAP.find((b) => b.action === 'refresh')!.keys[0]!)
      await pollUntil(() => (sent.length > before ? true : undefined), 'the request to be sent', 10_000, 20)
      expect(mutating()).toEqual([])

      // When asked again and answered y, Then exactly one request goes out, about the selection
      await reachConfirmation(s, binding, chord)
      expect(mutating()).toEqual([])
      await s.type('y')
      await pollUntil(() => (mutating().length > 0 ? true : undefined), 'a changing request', 10_000, 20)
      const [request, ...more] = mutating()
      expect(more).toEqual([])
      expect(`${request!.url} ${request!.body}`).toContain(target)
    })
  }

  it('resume on a session that was not preserved says why, and asks nothing', async () => {
    const s = dashboard(false)
    // The one session no case acted on: pending or running, never preserved.
    const untouched = sessionIds.at(-1)!
    await selectTarget(s, KEYMAP.find((b) => b.action === 'resume')!, untouched)
    await s.type('s')
    const frame = await s.waitFor('only a preserved session')
    expect(frame).not.toMatch(CONFIRMATION)
    expect(mutating()).toEqual([])
  })

  it('with nothing selected, says so and asks nothing', async () => {
    const s = dashboard(false)
    // Each step waits for the frame it leads to: keys sent ahead of a screen go to the one before.
    await s.type('2')
    await s.waitFor(/Sessions +\d+ shown/)
    await s.type('/')
    await s.waitFor('/▏')
    await s.type('nothing-matches-this')
    await s.waitFor('/nothing-matches-this▏')
    await s.press('enter')
    await s.waitFor(/Sessions +0 shown/)
    await s.type('d')
    const frame = await s.waitFor('No session selected.')
    expect(frame).not.toMatch(CONFIRMATION)
    expect(mutating()).toEqual([])
  })
})
