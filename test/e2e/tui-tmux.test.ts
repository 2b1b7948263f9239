import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {REPO_ROOT} from '../support/cli.js'
import {pollUntil} from '../support/poll.js'
import {simulatedDaemonCli} from '../support/simulated-daemon-cli.js'

const exec = promisify(execFile)

/**
 * The whole rent-use-release loop from the dashboard alone: the real binary runs in a real
 * terminal (tmux) against `daemon start --simulate`; keys are typed with send-keys and the
 * screen is read with capture-pane, polled with a deadline. CI=true stays set if CI set it:
 * the dashboard must draw there too.
 */
describe('the TUI in a terminal', () => {
  const {home, cli} = simulatedDaemonCli({
    // A color terminal, as a user's: the daemon, tmux and the dashboard run with it
    beforeStart(temp) {
      temp.env.TERM = 'xterm-256color'
      delete temp.env.NO_COLOR
    },
  })
  const socket = `gpu-shopper-tui-${process.pid}`
  const tmux = (...args: string[]) => exec('tmux', ['-L', socket, ...args], {env: home().env})
  const screen = async () => (await tmux('capture-pane', '-p', '-t', 'tui')).stdout
  const keys = (...k: string[]) => tmux('send-keys', '-t', 'tui', ...k)
  const text = (t: string) => tmux('send-keys', '-t', 'tui', '-l', t)
  const waitFor = (what: string | RegExp, timeoutMs = 30_000) =>
    pollUntil(
      async () => {
        const s = await screen()
        return (typeof what === 'string' ? s.includes(what) : what.test(s)) ? s : undefined
      },
      `"${String(what)}" on the screen`,
      timeoutMs,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\n--- screen ---\n${await screen().catch(() => '(gone)')}`)
    })

  beforeAll(async () => {
    const command = `${process.execPath} ${join(REPO_ROOT, 'bin', 'run.js')}; echo "tui exited with $?"; sleep 600`
    await tmux('new-session', '-d', '-s', 'tui', '-x', '150', '-y', '45', 'sh', '-c', command)
  })

  // Before the daemon stops: afterAll hooks run last-registered first, so this precedes the harness's
  afterAll(async () => {
    await tmux('kill-server').catch(() => undefined)
  })

  it('filters, sorts, rents an offer, sees it running, releases it and quits, leaving the terminal as it was', async () => {
    // Given the dashboard, opened by `gpu-shopper` with no arguments on a terminal
    const first = await waitFor(/SIMULATED MARKET[\s\S]*Inventory +[1-9][\d,]* of [\d,]+ offers/)
    expect(first).toContain('<p> provision')

    // When a filter is typed and the table sorted by $/GPU/h
    await keys('/')
    await waitFor('/▏')
    await text('4090 vast')
    await waitFor('/4090 vast▏')
    await keys('Enter')
    await pollUntil(async () => !(await screen()).includes('▏') || undefined, 'the filter prompt to close', 30_000)
    await keys('U')
    const sorted = await waitFor('$/GPU/H↑')
    const rows = sorted.split('\n').filter((l) => /^RTX 4090 +\d+ +\d+ GB/.test(l))
    expect(rows.length).toBeGreaterThan(3)
    expect(rows.filter((r) => !r.includes('vastai')), sorted).toEqual([])

    // And the selected offer is provisioned through the form and its confirmation
    await keys('p')
    await waitFor('Consumer')
    await keys('Enter')
    const confirm = await waitFor('Expected cost of the reservation')
    expect(confirm).toMatch(/Expected cost of the reservation: \$\d+\.\d\d \(1 h × \$[\d.]+\/h( with \d+ GB disk)?\)/)
    await keys('y')

    // Then the sessions screen follows it until it runs
    const sessions = await waitFor(/Sessions +1 shown/)
    const id = /(sess-[0-9a-f]{12})/.exec(sessions)![1]!
    await waitFor(new RegExp(`${id} +running +\\d+x RTX 4090`), 60_000)

    // When it is released (confirmed)
    await keys('d')
    await waitFor(`Release ${id}?`)
    await keys('y')
    await waitFor(new RegExp(`${id} +(stopping|stopped)`))
    await waitFor(new RegExp(`${id} +stopped`), 60_000)

    // And the dashboard is left with q
    await keys('q')
    const after = await waitFor('tui exited with 0')
    expect(after).not.toContain('SIMULATED MARKET')

    // Then the daemon agrees: one session, stopped, its instance gone
    const listed = await cli(['sessions', '--json'])
    const all = listed.json<{sessions: Array<{id: string; status: string; provider_instance_id: string | null}>}>().data.sessions
    expect(all.map((s) => [s.id, s.status])).toEqual([[id, 'stopped']])
  }, 180_000)
})
