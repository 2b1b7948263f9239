import {Text} from 'ink'
import {afterEach, describe, expect, it} from 'vitest'

import {renderTui, type RenderedTui} from '../test-render.js'
import {usePoll} from './use-poll.js'

let screen: RenderedTui | undefined
afterEach(() => screen?.unmount())

function Probe({id, fetch}: {id: string; fetch: (id: string) => Promise<string>}) {
  const polled = usePoll(() => fetch(id), 20, [id], Date.now)
  return <Text>{`data=${polled.data ?? '-'} error=${polled.error ?? '-'}`}</Text>
}

describe('usePoll', () => {
  it('keeps the last good data beside a failure, and recovers on the next tick', async () => {
    let calls = 0
    // The failure waits until the first answer is on the screen: under load a frame can otherwise be skipped.
    // Likewise the recovery waits until the failure is on the screen.
    let drawn!: () => void
    const firstDrawn = new Promise<void>((resolve) => (drawn = resolve))
    let failureDrawn!: () => void
    const failureShown = new Promise<void>((resolve) => (failureDrawn = resolve))
    const fetch = async (id: string) => {
      calls++
      if (calls === 2) {
        await firstDrawn
        throw new Error('the daemon hiccupped')
      }
      if (calls > 2) await failureShown
      return `${id}#${calls}`
    }
    screen = renderTui(<Probe id="a" fetch={fetch} />)
    await screen.waitFor(/data=a#1 error=-/)
    drawn()
    await screen.waitFor(/the daemon hiccupped/)
    failureDrawn()
    await screen.waitFor(/data=a#[3-9] error=-/)
    const seen = screen.stdout.frames.map((f) => f.trim())
    const failed = seen.findIndex((f) => f.includes('error=') && f.includes('the daemon hiccupped'))
    expect(seen[failed]).toMatch(/^data=a#1 error=.*the daemon hiccupped/)
    expect(seen.slice(0, failed)).toContain('data=a#1 error=-')
  })

  it('drops what it had for other deps, so one session never shows another one\'s events', async () => {
    let release: (() => void) | undefined
    const fetch = (id: string) =>
      id === 'a' ? Promise.resolve('events of a') : new Promise<string>((resolve) => (release = () => resolve('events of b')))
    screen = renderTui(<Probe id="a" fetch={fetch} />)
    await screen.waitFor('data=events of a')
    screen.unmount()
    screen = renderTui(<Probe id="b" fetch={fetch} />)
    await screen.waitFor('data=- error=-')
    release?.()
    await screen.waitFor('data=events of b')
  })
})
