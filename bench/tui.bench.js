#!/usr/bin/env node
// The dashboard with 100k offers: a real daemon (`--simulate`) whose simulated Vast.ai market has
// 100,000 offers, loaded by the TUI over HTTP; then the real Ink app renders to a terminal-sized
// stream while keystrokes are written to its stdin, and each keystroke is timed until the frame
// that shows its effect is written. Target: a filter character reaches the screen in < 50 ms at
// the median. Run with `npm run bench -- tui` (after a build); SIM_OFFERS=20000 for a smaller market.
import {spawn} from 'node:child_process'
import {EventEmitter} from 'node:events'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {performance} from 'node:perf_hooks'
import {setTimeout as delay} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

// As `gpu-shopper tui` loads it: every frame drawn even under CI, React's production build.
for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) if (name in process.env) process.env[name] = 'false'
process.env.NODE_ENV ??= 'production'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// Offers the simulated Vast.ai market generates; about 70 % of them are rentable and so reach the
// inventory (the rest are rented or unverified, as on the real market): 145k gives the TUI ~100k.
const SIM_OFFERS = Number(process.env.SIM_OFFERS ?? 145_000)
const COLUMNS = 150
const ROWS = 45
// A person types a few characters a second; each keystroke is measured from an idle screen.
const IDLE_MS = 60

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

function report(what, times, targetMs) {
  const sorted = [...times].sort((a, b) => a - b)
  const pick = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
  const median = pick(0.5)
  const verdict = targetMs === undefined ? '' : median < targetMs ? `  (target < ${targetMs} ms: met)` : `  (target < ${targetMs} ms: MISSED)`
  console.log(`${what}: n=${times.length} median ${ms(median)} p95 ${ms(pick(0.95))} max ${ms(sorted.at(-1))}${verdict}`)
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

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'gpu-shopper-tui-bench-'))
  const daemon = spawn(process.execPath, [join(root, 'dist/daemon/main.js'), '--simulate', '--no-auth', '--port', '0'], {
    env: {...process.env, GPU_SHOPPER_HOME: home, GPU_SHOPPER_SIM_OFFERS: String(SIM_OFFERS), GPU_SHOPPER_VASTAI_SEARCH_LIMIT: String(SIM_OFFERS), GPU_SHOPPER_LOG_LEVEL: 'warn'},
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  let instance
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

    const [{createElement}, {render}, {createApiClient}, {App}, {ErrorBoundary}, {createTuiServices, ServicesProvider}] = await Promise.all([
      import('react'),
      import('ink'),
      import(join(root, 'dist/src/client/api-client.js')),
      import(join(root, 'dist/tui/app.js')),
      import(join(root, 'dist/tui/components/error-boundary.js')),
      import(join(root, 'dist/tui/services.js')),
    ])
    const services = createTuiServices({
      client: createApiClient({baseUrl: url, timeoutMs: 60_000}),
      paths: {config: home, data: home, state: home, cache: home},
      consumer: 'bench',
      runSsh: () => {},
      copyToClipboard: () => {},
    })
    const loadStarted = performance.now()
    await services.offers.load()
    const loaded = services.offers.getSnapshot()
    if (loaded.error) throw new Error(loaded.error)
    console.log(`TUI loaded ${loaded.index.size.toLocaleString('en-US')} offers over HTTP in ${ms(performance.now() - loadStarted)} (TUI process RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB)`)

    const stdout = new FakeTerminal(COLUMNS, ROWS)
    const stdin = new FakeKeyboard()
    instance = render(createElement(ServicesProvider, {value: services}, createElement(ErrorBoundary, null, createElement(App))), {
      stdout,
      stdin,
      stderr: stdout,
      exitOnCtrlC: false,
      patchConsole: false,
    })
    await stdout.waitFor((frame) => /Inventory +[\d,]+ of [\d,]+ offers/.test(frame) && frame.includes(loaded.index.size.toLocaleString('en-US')), 30_000)

    const filterTimes = []
    await measure(stdin, stdout, '/', (f) => f.includes('/▏'))
    for (const query of ['rtx 4090 us', 'a100 sxm', 'h100 vastai de', 'l40s', '3090 tx']) {
      let typed = ''
      for (const ch of query) {
        typed += ch
        filterTimes.push(await measure(stdin, stdout, ch, (f) => f.includes(`/${typed}▏`)))
      }
      while (typed) {
        typed = typed.slice(0, -1)
        filterTimes.push(await measure(stdin, stdout, '\u007F', (f) => f.includes(`/${typed}▏`)))
      }
    }
    await measure(stdin, stdout, '\r', (f) => !f.includes('▏'))

    const scrollTimes = []
    for (let i = 0; i < 60; i++) scrollTimes.push(await measure(stdin, stdout, '\u001B[B', selectionMoved(stdout)))
    for (let i = 0; i < 20; i++) scrollTimes.push(await measure(stdin, stdout, '\u001B[6~', selectionMoved(stdout)))
    const sortTimes = []
    for (const [key, header] of [['U', '$/GPU/H↑'], ['V', 'VRAM↓'], ['R', 'RELIA'], ['P', '$/H↑'], ['P', '$/H↓']]) {
      sortTimes.push(await measure(stdin, stdout, key, () => (frame) => frame.includes(header)))
    }

    report('filter keystroke → frame', filterTimes, 50)
    report('scroll (↓, PgDn) → frame', scrollTimes, 50)
    report('sort (first sort of a column sorts 100k) → frame', sortTimes)
  } finally {
    instance?.unmount()
    daemon.kill('SIGTERM')
    await new Promise((resolve) => daemon.once('exit', resolve))
    rmSync(home, {recursive: true, force: true})
  }
}

await main()
