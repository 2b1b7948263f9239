import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {chromium, type Browser, type Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {RunningDaemon} from '../../daemon/server.js'
import {BAD_TOKEN_REASON} from '../../daemon/terminal/close-codes.js'
import {pollUntil} from '../support/poll.js'
import {startTestDaemon, type TestDaemon} from '../support/test-daemon.js'

const CHROMIUM = '/usr/bin/chromium'
const hasChromium = existsSync(CHROMIUM)
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** The text of each terminal row as xterm.js's DOM renderer shows it. */
async function screenLines(page: Page): Promise<string[]> {
  const rows = await page.locator('.xterm-rows > div').allTextContents()
  return rows.map((row) => row.replace(/\u00a0/g, ' ').trimEnd())
}

async function waitForScreen(page: Page, what: string, test: (lines: string[]) => boolean): Promise<string[]> {
  let last: string[] = []
  try {
    return await pollUntil(async () => {
      last = await screenLines(page)
      return test(last) ? last : undefined
    }, what, 15_000, 100)
  } catch (err) {
    throw new Error(`${(err as Error).message}; the terminal shows:\n${last.join('\n')}`)
  }
}

describe.skipIf(!hasChromium)(`browser terminal in a real headless Chromium${hasChromium ? '' : ` (SKIPPED: ${CHROMIUM} is not installed; apt-get install chromium)`}`, () => {
  let daemon: RunningDaemon
  let testDaemon: TestDaemon
  let browser: Browser
  let sessionId: string
  const auth = () => ({authorization: `Bearer ${daemon.token}`, host: new URL(daemon.url).host})

  beforeAll(async () => {
    testDaemon = await startTestDaemon('browser-terminal')
    daemon = testDaemon.daemon
    const offers = await daemon.app.inject({method: 'GET', url: '/api/v1/inventory?gpu_type=RTX%204090&sort=price&limit=1', headers: auth()})
    const created = await daemon.app.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: auth(),
      payload: {consumer_id: 'browser', offer_id: offers.json().offers[0].id, workload_type: 'llm', reservation_hours: 1},
    })
    expect(created.statusCode).toBe(201)
    sessionId = created.json().session.id
    await pollUntil(async () => {
      const s = (await daemon.app.inject({method: 'GET', url: `/api/v1/sessions/${sessionId}`, headers: auth()})).json()
      if (s.status === 'failed') throw new Error(s.failure_reason)
      return s.status === 'running' ? s : undefined
    }, 'session running')
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
  })
  afterAll(async () => {
    await browser?.close()
    await testDaemon?.close()
  })

  it('opens page_url, runs echo hello in the shell, resizes with the window, and refuses the page a second time', async () => {
    // Given a terminal token for a running session
    const minted = await daemon.app.inject({method: 'POST', url: `/api/v1/allocations/${sessionId}/terminal-token`, headers: auth()})
    expect(minted.statusCode).toBe(200)
    const {page_url: pageUrl} = minted.json() as {page_url: string}
    const page = await browser.newPage({viewport: {width: 1000, height: 600}})
    const failedRequests: string[] = []
    page.on('requestfailed', (request) => failedRequests.push(request.url()))
    page.on('request', (request) => {
      if (!request.url().startsWith(daemon.url) && !request.url().startsWith(daemon.url.replace('http:', 'ws:'))) failedRequests.push(`off-daemon: ${request.url()}`)
    })

    // When the page opens, the shell prompt appears
    await page.goto(pageUrl)
    await waitForScreen(page, 'the prompt', (lines) => lines.some((line) => /^root@\S+:~#$/.test(line.trim())))
    expect(await page.locator('#status').textContent()).toBe('connected')
    // The token left the address bar once read.
    expect(page.url()).not.toContain('token=')

    // And a typed command runs
    await page.keyboard.type('echo hello')
    await page.keyboard.press('Enter')
    const lines = await waitForScreen(page, '"hello" on its own line', (shown) => shown.some((line) => line === 'hello'))
    expect(lines.some((line) => line.endsWith('# echo hello'))).toBe(true)

    // Then a screenshot shows it
    const shot = join(testDaemon.home, 'terminal.png')
    await page.screenshot({path: shot})
    expect(existsSync(shot)).toBe(true)
    expect(readFileSync(shot).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
    process.stderr.write(`browser terminal screenshot: ${shot}\n`)

    // The terminal follows the window: fewer rows fit in a shorter one.
    const rowsBefore = (await screenLines(page)).length
    await page.setViewportSize({width: 700, height: 300})
    await pollUntil(async () => ((await screenLines(page)).length < rowsBefore ? true : undefined), 'the terminal to shrink with the window')
    await page.keyboard.type('echo still here')
    await page.keyboard.press('Enter')
    await waitForScreen(page, 'the shell after a resize', (shown) => shown.includes('still here'))
    expect(failedRequests).toEqual([])

    // And the same page_url a second time is refused, with the reason shown
    const again = await browser.newPage()
    await again.goto(pageUrl)
    await pollUntil(async () => ((await again.locator('#status').textContent())?.includes(BAD_TOKEN_REASON) ? true : undefined), 'the refusal on the page')
    expect(await again.locator('#status').textContent()).toBe(`Terminal closed (code 4401): ${BAD_TOKEN_REASON}`)
    await waitForScreen(again, 'the refusal in the terminal', (shown) => shown.some((line) => line.includes('[terminal closed: terminal token already used')))
    await again.close()
    await page.close()
  })
})
