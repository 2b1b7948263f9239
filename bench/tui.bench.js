#!/usr/bin/env node
// The dashboard with 100k offers: a real daemon (`--simulate`) whose simulated Vast.ai market gives
// the inventory ~100,000 offers; the dashboard runs in a child process of its own, as
// `gpu-shopper tui` would: it loads the market over HTTP, the real Ink app renders to a
// terminal-sized stream, and keystrokes are written to its stdin; each keystroke is timed, inside
// that process, until the frame that shows its effect is written.
// Targets: a filter keystroke reaches the screen in p50 ≤ 16 ms and p95 ≤ 25 ms, and the TUI
// process's resident memory (RSS, as the OS counts it, no forced GC) is at most 120 MiB both once
// the market is loaded and drawn and after the whole session of filtering, scrolling and sorting.
// The child holds the dashboard as `gpu-shopper tui` runs it (its modules, heap settings and
// frame rate from tui/process-settings.ts) and this file's small harness (a fake terminal and
// the timings), not the CLI framework the real command also has loaded.
// Run with `npm run bench -- tui` (after a build); SIM_OFFERS=20000 for a smaller market, or
// TUI_BENCH_SERVER=<url> to measure against a daemon already running with its market loaded.
import {fork, spawn} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {setTimeout as delay} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {reportRow} from './report.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Offers the simulated Vast.ai market generates; about 70 % of them are rentable and so reach the
// inventory (the rest are rented or unverified, as on the real market): 145k gives the TUI ~100k.
const SIM_OFFERS = Number(process.env.SIM_OFFERS ?? 145_000)
const COLUMNS = 150
const ROWS = 45
// A person types a few characters a second; each keystroke is measured from an idle screen.
const IDLE_MS = 60
const CHILD = '--dashboard'
const MIB = 2 ** 20
const TARGET = {filterP50: 16, filterP95: 25, rssMiB: 120, scrollP50: 50}

/** A stream Ink takes for a terminal of a fixed size, keeping the last frame and waking waiters on every write. */
class FakeTerminal extends EventEmitter {
  constructor(columns, rows) {
    super()
    this.columns = columns
    this.rows = rows
    this.isTTY = true
    this.frame = ''
    this.waiters = new Set()
  }
  write(chunk) {
    const at = performance.now()
    this.frame = String(chunk)
    for (const waiter of this.waiters) waiter(this.frame, at)
    return true
  }
  waitFor(predicate, timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      if (predicate(this.frame)) return resolve(performance.now())
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(`no such frame within ${timeoutMs} ms; last:\n${this.frame.slice(0, 2000)}`))
      }, timeoutMs)
      const waiter = (frame, at) => {
        if (!predicate(frame)) return
        clearTimeout(timer)
        this.waiters.delete(waiter)
        resolve(at)
      }
      this.waiters.add(waiter)
    })
  }
}

/** What Ink reads keystrokes from: bytes written here arrive as if typed. */
class FakeKeyboard extends EventEmitter {
  isTTY = true
  data = null
  type(data) {
    this.data = data
    this.emit('readable')
  }
  read() {
    const data = this.data
    this.data = null
    return data
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

/** The detail pane names the selected offer: a scroll has reached the screen when that name changes. */
function selectionMoved(stdout) {
  const selected = (frame) => /── (\S+) ─/.exec(frame)?.[1]
  return () => {
    const before = selected(stdout.frame)
    return (frame) => selected(frame) !== undefined && selected(frame) !== before
  }
}

/** Time from writing `key` to the first frame that satisfies the predicate `expect()` builds once the screen is idle. */
async function measure(stdin, stdout, key, expect) {
  await delay(IDLE_MS)
  const waiting = stdout.waitFor(expect.length === 0 ? expect() : expect)
  const sent = performance.now()
  stdin.type(key)
  return (await waiting) - sent
}

const rssMiB = () => process.memoryUsage().rss / MIB

/**
 * The dashboard's process: loads the market from `url`, draws it, types, and sends back the
 * timings and its own RSS. As `gpu-shopper tui` loads it: every frame drawn even under CI,
 * React's production build (set by the parent before this process starts).
 */
async function runDashboard(url) {
  const [{createElement}, {render}, {createApiClient}, {Dashboard}, {createTuiServices}, {holdHeapNearLiveSize, MAX_FPS}] = await Promise.all([
    import('react'),
    import('ink'),
    import(join(root, 'dist/src/client/api-client.js')),
    import(join(root, 'dist/tui/dashboard.js')),
    import(join(root, 'dist/tui/services.js')),
    import(join(root, 'dist/tui/process-settings.js')),
  ])
  // As runTui does once its modules are loaded.
  holdHeapNearLiveSize()
  const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-tui-bench-client-'))
  const services = createTuiServices({
    client: createApiClient({baseUrl: url, timeoutMs: 60_000}),
    paths: {config: home, data: home, state: home, cache: home},
    consumer: 'bench',
    runSsh: () => {},
    copyToClipboard: () => {},
  })
  let instance
  try {
    const loadStarted = performance.now()
    await services.offers.load()
    const loaded = services.offers.getSnapshot()
    if (loaded.error) throw new Error(loaded.error)
    const loadMs = performance.now() - loadStarted

    const stdout = new FakeTerminal(COLUMNS, ROWS)
    const stdin = new FakeKeyboard()
    instance = render(createElement(Dashboard, {services}), {stdout, stdin, stderr: stdout, exitOnCtrlC: false, patchConsole: false, maxFps: MAX_FPS})
    await stdout.waitFor((frame) => /Inventory +[\d,]+ of [\d,]+ offers/.test(frame) && frame.includes(loaded.index.size.toLocaleString('en-US')), 30_000)
    // The process as it sits on screen after the load: what is left once the load's garbage is
    // collected, by V8 on its own schedule (a second of idle, as a person reads the screen).
    await delay(1000)
    const rssLoaded = rssMiB()

    const filter = []
    await measure(stdin, stdout, '/', (f) => f.includes('/▏'))
    for (const query of ['rtx 4090 us', 'a100 sxm', 'h100 vastai de', 'l40s', '3090 tx']) {
      let typed = ''
      for (const ch of query) {
        typed += ch
        filter.push(await measure(stdin, stdout, ch, (f) => f.includes(`/${typed}▏`)))
      }
      while (typed) {
        typed = typed.slice(0, -1)
        filter.push(await measure(stdin, stdout, '\u007F', (f) => f.includes(`/${typed}▏`)))
      }
    }
    await measure(stdin, stdout, '\r', (f) => !f.includes('▏'))

    const scroll = []
    for (let i = 0; i < 60; i++) scroll.push(await measure(stdin, stdout, '\u001B[B', selectionMoved(stdout)))
    for (let i = 0; i < 20; i++) scroll.push(await measure(stdin, stdout, '\u001B[6~', selectionMoved(stdout)))
    const sort = []
    for (const [key, header] of [['U', '$/GPU/H↑'], ['V', 'VRAM↓'], ['R', 'RELIA'], ['P', '$/H↑'], ['P', '$/H↓']]) {
      sort.push(await measure(stdin, stdout, key, () => (frame) => frame.includes(header)))
    }
    await delay(1000)
    const rssSession = rssMiB()
    return {offers: loaded.index.size, loadMs, filter, scroll, sort, rssLoaded, rssSession, rssPeak: process.resourceUsage().maxRSS / 1024}
  } finally {
    instance?.unmount()
    services.offers.close()
    rmSync(home, {recursive: true, force: true})
  }
}

function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b)
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  return {n: times.length, p50: pick(0.5), p95: pick(0.95), max: sorted.at(-1)}
}

function ms(value) {
  return `${value.toFixed(1)} ms`
}

function readState(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'state', 'daemon.json'), 'utf8'))
  } catch {
    return undefined
  }
}

async function until(probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms`)
    await delay(200)
  }
}

/** Starts the daemon with its simulated market and waits for the first Vast.ai refresh; stops it when `use` is done. */
async function withDaemon(use) {
  if (process.env.TUI_BENCH_SERVER) return use(process.env.TUI_BENCH_SERVER)
  const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-tui-bench-'))
  const daemon = spawn(process.execPath, [join(root, 'dist/daemon/main.js'), '--simulate', '--no-auth', '--port', '0'], {
    env: {...process.env, GPU_SHOPPER_HOME: home, GPU_SHOPPER_SIM_OFFERS: String(SIM_OFFERS), GPU_SHOPPER_VASTAI_SEARCH_LIMIT: String(SIM_OFFERS), GPU_SHOPPER_LOG_LEVEL: 'warn'},
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  try {
    const url = await until(() => readState(home)?.url, 60_000)
    const started = performance.now()
    const total = await until(async () => {
      const health = await fetch(`${url}/health`).then((r) => (r.ok ? r.json() : null), () => null)
      const vast = health?.providers.find((p) => p.name === 'vastai')
      if (!vast?.last_refresh_at) return undefined
      if (vast.last_error) throw new Error(`the first Vast.ai refresh failed: ${vast.last_error}`)
      return (await fetch(`${url}/api/v1/inventory?limit=1`).then((r) => r.json())).total
    }, 300_000)
    console.log(`daemon ready in ${ms(performance.now() - started)}: ${total.toLocaleString('en-US')} offers in the inventory (simulated Vast.ai market of ${SIM_OFFERS.toLocaleString('en-US')})`)
    return await use(url)
  } finally {
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.once('exit', resolve))
    rmSync(home, {recursive: true, force: true})
  }
}

/** Runs the dashboard in its own process and waits for what it measured. */
function dashboardProcess(url) {
  const env = {...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production'}
  // Every frame drawn even under CI, as on a person's terminal.
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in env) env[name] = 'false'
  const child = fork(fileURLToPath(import.meta.url), [CHILD, url], {env, stdio: ['ignore', 'ignore', 'inherit', 'ipc']})
  return new Promise((resolve, reject) => {
    let result
    child.on('message', (message) => (message.error ? reject(new Error(message.error)) : (result = message)))
    child.on('error', reject)
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`the dashboard process exited with ${code} before reporting`))))
  })
}

function reportTimes(what, times, target) {
  const {n, p50, p95, max} = percentiles(times)
  const met = target ? p50 <= target.p50 && (target.p95 === undefined || p95 <= target.p95) : null
  const goal = target ? `p50 ≤ ${target.p50} ms${target.p95 === undefined ? '' : `, p95 ≤ ${target.p95} ms`}` : ''
  console.log(`${what}: n=${n} median ${ms(p50)} p95 ${ms(p95)} max ${ms(max)}${target ? `  (target ${goal}: ${met ? 'met' : 'MISSED'})` : ''}`)
  reportRow({measure: `TUI ${what}, 100k offers`, value: `p50 ${ms(p50)}, p95 ${ms(p95)}`, target: goal || '-', met})
}

async function main() {
  await withDaemon(async (url) => {
    const r = await dashboardProcess(url)
    const rss = Math.max(r.rssLoaded, r.rssSession)
    console.log(
      `TUI loaded ${r.offers.toLocaleString('en-US')} offers over HTTP in ${ms(r.loadMs)} (TUI process RSS ${Math.round(r.rssLoaded)} MiB loaded and drawn, ${Math.round(r.rssSession)} MiB after the session, peak ${Math.round(r.rssPeak)} MiB)`,
    )
    reportTimes('filter keystroke → frame', r.filter, {p50: TARGET.filterP50, p95: TARGET.filterP95})
    reportTimes('scroll (↓, PgDn) → frame', r.scroll, {p50: TARGET.scrollP50})
    reportTimes('sort (first sort of a column sorts 100k) → frame', r.sort)
    const met = rss <= TARGET.rssMiB
    console.log(`TUI process RSS with ${r.offers.toLocaleString('en-US')} offers: ${Math.round(rss)} MiB (target ≤ ${TARGET.rssMiB} MiB: ${met ? 'met' : 'MISSED'})`)
    reportRow({measure: 'TUI process RSS with 100k offers', value: `${Math.round(rss)} MiB (peak ${Math.round(r.rssPeak)} MiB)`, target: `≤ ${TARGET.rssMiB} MiB`, met})
  })
}

if (process.argv[2] === CHILD) {
  let message
  try {
    message = await runDashboard(process.argv[3])
  } catch (err) {
    message = {error: err instanceof Error ? (err.stack ?? err.message) : String(err)}
  }
  // Kept-alive sockets would hold the process open: it ends once the parent has the message.
  process.send(message, () => process.exit(0))
} else {
  await main()
}
