#!/usr/bin/env node
/* global process, console, URL, setTimeout */
// A stand-in for daemon/main.ts that keeps the daemon's process contract (flags, state file,
// /health, bearer token, SIGTERM) and a small in-memory slice of the API, so the client, the
// launcher and the CLI can be tested without the real daemon, store or providers.
// Knobs: FAKE_DAEMON_VERSION, FAKE_DAEMON_FAIL=1 (exit during start-up),
// FAKE_DAEMON_STARTING_MS (answer /health 503 "starting" that long), FAKE_DAEMON_HANG_SIGTERM=1.
import {randomBytes, randomUUID} from 'node:crypto'
import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:http'
import {homedir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

const argv = process.argv.slice(2)
const arg = (name, fallback) => {
  const i = argv.indexOf(name)
  return i === -1 ? fallback : argv[i + 1]
}
const port = Number(arg('--port', '8080'))
const host = arg('--host', '127.0.0.1')
const auth = !argv.includes('--no-auth')
const simulated = argv.includes('--simulate')
const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8'))
const version = process.env.FAKE_DAEMON_VERSION ?? pkg.version
const home = process.env.GPU_SHOPPER_HOME
const stateDir = home ? join(home, 'state') : join(process.env.XDG_STATE_HOME ?? join(homedir(), '.local/state'), 'gpu-shopper')
const stateFile = join(stateDir, 'daemon.json')
const token = auth ? randomBytes(24).toString('hex') : null
const startedAt = Date.now()
const log = (msg, extra = {}) => console.log(JSON.stringify({level: 30, time: Date.now(), msg, ...extra}))

if (process.env.FAKE_DAEMON_FAIL) {
  console.error(JSON.stringify({level: 60, msg: 'listen EADDRINUSE: address already in use'}))
  process.exit(1)
}

const now = () => new Date().toISOString()
const micro = (usd) => Math.round(usd * 1e6)
const offers = [
  {id: 'vastai-1001', provider: 'vastai', provider_id: '1001', gpu_type: 'RTX 4090', gpu_count: 1, vram_gb: 24, price: 0.35, location: 'Texas, US', reliability: 0.991},
  {id: 'vastai-1002', provider: 'vastai', provider_id: '1002', gpu_type: 'RTX 3090', gpu_count: 1, vram_gb: 24, price: 0.2, location: 'Quebec, CA', reliability: 0.97},
  {id: 'tensordock-77', provider: 'tensordock', provider_id: '77', gpu_type: 'H100 SXM', gpu_count: 8, vram_gb: 80, price: 19.6, location: 'Ohio, US', reliability: null},
  {id: 'vastai-stale', provider: 'vastai', provider_id: 'stale', gpu_type: 'RTX 4090', gpu_count: 1, vram_gb: 24, price: 0.3, location: 'Oregon, US', reliability: 0.9},
].map((o) => ({
  id: o.id, provider: o.provider, provider_id: o.provider_id, gpu_type: o.gpu_type, gpu_count: o.gpu_count, vram_gb: o.vram_gb,
  price_per_hour: o.price, price_per_hour_micro_usd: micro(o.price), price_per_gpu_hour: o.price / o.gpu_count,
  location: o.location, country_code: o.location.slice(-2), reliability: o.reliability, available: true, fetched_at: now(),
  cuda_version: 12.4, disk_gb: 500, cpu_cores: 16, ram_gb: 64, inet_down_mbps: 1000,
}))

const sessions = new Map()
const events = []
const idempotency = new Map()
const listeners = new Set()
let eventId = 0

function emit(session, to, message) {
  const event = {id: ++eventId, session_id: session.id, at: now(), type: 'status', from_status: session.status, to_status: to, actor: 'fake', message}
  session.status = to
  events.push(event)
  for (const listener of listeners) listener(event)
}

function dto(s) {
  const running = s.started_at && !s.stopped_at ? (Date.now() - Date.parse(s.started_at)) / 3.6e6 : 0
  const cost = micro(s.price_per_hour * running)
  return {...s, total_cost: cost / 1e6, total_cost_micro_usd: cost, simulated}
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, {'content-type': 'application/json', ...headers})
  res.end(JSON.stringify(body))
}
function fail(res, status, error_type, error, extra = {}) {
  send(res, status, {error, error_type, request_id: `req-${randomUUID().slice(0, 8)}`, ...extra})
}
function readBody(req) {
  return new Promise((resolve) => {
    let text = ''
    req.on('data', (c) => (text += c))
    req.on('end', () => resolve(text ? JSON.parse(text) : {}))
  })
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x')
  const path = url.pathname
  if (path === '/health') {
    const starting = Date.now() - startedAt < Number(process.env.FAKE_DAEMON_STARTING_MS ?? 0)
    return send(res, starting ? 503 : 200, {status: starting ? 'starting' : 'ok', version, deployment_id: 'dep-fake', simulated, auth, uptime_seconds: (Date.now() - startedAt) / 1000, providers: [{name: 'vastai', configured: true, base_url: null, stale: false, last_refresh_at: now(), last_error: null}]})
  }
  if (auth && req.headers.authorization !== `Bearer ${token}`) return fail(res, 401, 'unauthorized', 'missing or wrong bearer token')
  const q = Object.fromEntries(url.searchParams)
  let m
  if (req.method === 'GET' && path === '/api/v1/inventory') {
    let list = offers.filter((o) => o.id !== 'vastai-stale' || q.gpu_type)
    if (q.gpu_type) list = list.filter((o) => o.gpu_type.toLowerCase() === q.gpu_type.toLowerCase())
    if (q.max_price) list = list.filter((o) => o.price_per_hour <= Number(q.max_price))
    if (q.provider && !['vastai', 'tensordock'].includes(q.provider)) return fail(res, 400, 'validation_error', 'provider must be vastai or tensordock', {field: 'provider'})
    list = [...list].sort((a, b) => a.price_per_hour - b.price_per_hour)
    const page = list.slice(0, q.limit ? Number(q.limit) : 50)
    return send(res, 200, {offers: page, count: page.length, total: list.length, stale_providers: [], simulated})
  }
  if (req.method === 'GET' && (m = /^\/api\/v1\/inventory\/(.+)$/.exec(path))) {
    const offer = offers.find((o) => o.id === decodeURIComponent(m[1]))
    return offer ? send(res, 200, {...offer, simulated}) : fail(res, 404, 'not_found', `no offer ${m[1]}`)
  }
  if (req.method === 'POST' && path === '/api/v1/sessions') {
    const body = await readBody(req)
    const key = req.headers['x-idempotency-key']
    const fingerprint = JSON.stringify(body)
    if (key && idempotency.has(key)) {
      const first = idempotency.get(key)
      if (first.fingerprint !== fingerprint) return fail(res, 409, 'conflict', 'idempotency key reused with another body')
      return send(res, 201, first.reply)
    }
    if (!Number.isInteger(body.reservation_hours) || body.reservation_hours < 1 || body.reservation_hours > 12) {
      return fail(res, 400, 'validation_error', 'reservation_hours must be between 1 and 12', {field: 'reservation_hours'})
    }
    const offer = offers.find((o) => o.id === body.offer_id)
    if (!offer) return fail(res, 404, 'not_found', `offer ${body.offer_id} is not in the inventory; no instance was created`, {offer_id: body.offer_id})
    const created = Date.now()
    const s = {
      id: `sess-${randomUUID().slice(0, 8)}`, consumer_id: body.consumer_id, provider: offer.provider, provider_instance_id: null, offer_id: offer.id,
      gpu_type: offer.gpu_type, gpu_count: offer.gpu_count, status: 'pending', ssh_host: null, ssh_port: null, ssh_user: null, ssh_host_key_fingerprint: null,
      workload_type: body.workload_type, reservation_hours: body.reservation_hours, price_per_hour: offer.price_per_hour, price_per_hour_micro_usd: offer.price_per_hour_micro_usd,
      disk_gb: body.disk_gb ?? 50, storage_policy: body.storage_policy ?? 'destroy', idle_threshold_minutes: body.idle_threshold_minutes ?? 0, hard_max_override: false,
      created_at: new Date(created).toISOString(), started_at: null, expires_at: new Date(created + body.reservation_hours * 3.6e6).toISOString(), stopped_at: null, failure_reason: null,
      ssh_public_key: body.ssh_public_key,
    }
    sessions.set(s.id, s)
    setTimeout(() => emit(s, 'provisioning', 'instance ordered'), 100)
    setTimeout(() => {
      if (offer.id === 'vastai-stale') {
        s.failure_reason = 'stale_inventory: the provider says the offer is gone'
        emit(s, 'failed', s.failure_reason)
        return
      }
      Object.assign(s, {ssh_host: '127.0.0.1', ssh_port: 2222, ssh_user: 'root', ssh_host_key_fingerprint: 'SHA256:fake', started_at: now(), provider_instance_id: 'i-1'})
      emit(s, 'running', 'instance answered on ssh')
    }, Number(process.env.FAKE_DAEMON_RUN_MS ?? 400))
    const reply = {session: dto(s)}
    if (key) idempotency.set(key, {fingerprint, reply})
    return send(res, 201, reply)
  }
  if (req.method === 'GET' && path === '/api/v1/sessions') {
    let list = [...sessions.values()]
    if (q.status) list = list.filter((s) => s.status === q.status)
    if (q.consumer_id) list = list.filter((s) => s.consumer_id === q.consumer_id)
    return send(res, 200, {sessions: list.map(dto), count: list.length, total: list.length, simulated})
  }
  if ((m = /^\/api\/v1\/sessions\/([^/]+)(\/\w+)?$/.exec(path))) {
    const s = sessions.get(decodeURIComponent(m[1]))
    if (!s) return fail(res, 404, 'not_found', `no session ${m[1]}`)
    const action = m[2]
    if (req.method === 'GET' && !action) return send(res, 200, dto(s))
    if (req.method === 'GET' && action === '/events') {
      if (!String(req.headers.accept ?? '').includes('text/event-stream') || q.after !== undefined) {
        const after = Number(q.after ?? 0)
        const list = events.filter((e) => e.session_id === s.id && e.id > after)
        return send(res, 200, {events: list, count: list.length})
      }
      const after = Number(req.headers['last-event-id'] ?? 0)
      res.writeHead(200, {'content-type': 'text/event-stream', 'cache-control': 'no-cache'})
      res.write(': hello\n\n')
      const write = (e) => e.session_id === s.id && res.write(`id: ${e.id}\nevent: session-event\ndata: ${JSON.stringify(e)}\n\n`)
      for (const e of events) if (e.id > after) write(e)
      listeners.add(write)
      req.on('close', () => listeners.delete(write))
      return
    }
    if (req.method === 'POST' && action === '/done') {
      if (s.status === 'stopped' || s.status === 'failed') return fail(res, 409, 'conflict', `session ${s.id} is already ${s.status}`)
      emit(s, 'stopping', 'release requested')
      setTimeout(() => {
        s.stopped_at = now()
        emit(s, 'stopped', 'instance destroyed and verified gone')
      }, 200)
      return send(res, 200, {message: 'session is being released', session_id: s.id, simulated})
    }
    if (req.method === 'POST' && action === '/extend') {
      const body = await readBody(req)
      if (s.reservation_hours + body.additional_hours > 12) return fail(res, 409, 'conflict', 'extension would pass the 12-hour hard maximum')
      s.reservation_hours += body.additional_hours
      s.expires_at = new Date(Date.parse(s.expires_at) + body.additional_hours * 3.6e6).toISOString()
      return send(res, 200, {message: 'extended', session_id: s.id, new_expires_at: s.expires_at, simulated})
    }
    if (req.method === 'DELETE' && !action) {
      s.stopped_at = now()
      emit(s, 'stopped', 'force destroyed')
      return send(res, 200, {message: 'session destroyed', session_id: s.id, simulated})
    }
  }
  if (req.method === 'GET' && path === '/api/v1/costs') {
    if (q.session_id) {
      const s = sessions.get(q.session_id)
      if (!s) return fail(res, 404, 'not_found', `no session ${q.session_id}`)
      const d = dto(s)
      return send(res, 200, {session_id: s.id, total_cost: d.total_cost, total_cost_micro_usd: d.total_cost_micro_usd, currency: 'USD', hours_used: 0.01, status: s.status, simulated})
    }
    return send(res, 200, {consumer_id: q.consumer_id ?? null, start_date: q.start_date ?? null, end_date: q.end_date ?? null, total_cost: 1.35, total_cost_micro_usd: 1350000, currency: 'USD', session_count: 2, hours_used: 4, by_provider: {vastai: 1.35}, by_gpu_type: {'RTX 4090': 1.35}, by_provider_micro_usd: {vastai: 1350000}, by_gpu_type_micro_usd: {'RTX 4090': 1350000}, ...(q.period ? {series: [{period: '2026-01-01', total_cost: 1.35, total_cost_micro_usd: 1350000}]} : {}), simulated})
  }
  if (req.method === 'GET' && path === '/api/v1/costs/summary') {
    return send(res, 200, {consumer_id: q.consumer_id ?? null, start_date: null, end_date: null, month: '2026-01', total_cost: 1.35, total_cost_micro_usd: 1350000, currency: 'USD', session_count: 2, hours_used: 4, by_provider: {vastai: 1.35}, by_gpu_type: {'RTX 4090': 1.35}, by_provider_micro_usd: {vastai: 1350000}, by_gpu_type_micro_usd: {'RTX 4090': 1350000}, by_consumer: {demo: 1.35}, active_sessions: 0, simulated})
  }
  fail(res, 404, 'not_found', `no route ${req.method} ${path}`)
})

server.listen(port, host, () => {
  const actual = server.address().port
  const url = `http://${host}:${actual}`
  mkdirSync(stateDir, {recursive: true, mode: 0o700})
  writeFileSync(stateFile, JSON.stringify({pid: process.pid, url, host, port: actual, token, version, deployment_id: 'dep-fake', simulated, auth, started_at: now()}), {mode: 0o600})
  log('listening', {url})
})

const shutdown = () => {
  if (process.env.FAKE_DAEMON_HANG_SIGTERM) return
  log('stopping')
  rmSync(stateFile, {force: true})
  server.closeAllConnections()
  server.close(() => process.exit(0))
}
process.on('SIGTERM', shutdown)
process.on('SIGINT', shutdown)
