// One server process on SQLite against two on PostgreSQL, side by side on this machine:
// inventory throughput (autocannon, 10 connections in all, spread over the processes) and a
// burst of creates (accepted by the API, then every session running), against the simulated
// marketplaces run in this process. Starts a throwaway PostgreSQL cluster (as the tests do:
// apt-get install postgresql).
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import autocannon from 'autocannon'
import {tsImport} from 'tsx/esm/api'

import {startTensorDockSim, startVastSim} from '../dist/src/sim/index.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const CREATES = 100
const INVENTORY_SECONDS = 10
const {startPostgresCluster, createTestDatabase} = await tsImport('../test/support/postgres.ts', import.meta.url)

/** A daemon process (no auth, loopback) on the given database; resolves with its URL once it serves. */
function startServer(home, env) {
  const child = spawn(process.execPath, [join(root, 'dist', 'daemon', 'main.js'), '--port', '0', '--no-auth'], {
    env: {...process.env, GPU_SHOPPER_HOME: home, GPU_SHOPPER_LOG_LEVEL: 'info', ...env},
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.on('exit', (code) => reject(new Error(`daemon exited with ${code}`)))
    child.stdout.on('data', (chunk) => {
      buffered += chunk
      const line = buffered.split('\n').find((l) => l.includes('"daemon listening"'))
      if (line) resolve({url: JSON.parse(line).url, stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGTERM')))})
    })
  })
}

const json = async (url, init) => {
  const res = await fetch(url, init)
  return {status: res.status, body: await res.json()}
}

async function waitFor(what, probe, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Inventory pages a second over 10 connections spread across the servers. */
async function inventoryThroughput(urls) {
  const connections = Math.ceil(10 / urls.length)
  const results = await Promise.all(
    urls.map((url) => autocannon({url: `${url}/api/v1/inventory?gpu_type=RTX%204090&limit=50`, connections, duration: INVENTORY_SECONDS})),
  )
  const requests = results.reduce((a, r) => a + r.requests.total, 0)
  const errors = results.reduce((a, r) => a + r.errors + r.non2xx, 0)
  const p50 = Math.max(...results.map((r) => r.latency.p50))
  return {perSecond: requests / INVENTORY_SECONDS, p50, errors}
}

/** A burst of creates spread across the servers: how fast the API takes them, then until all run. */
async function createBurst(urls) {
  const offers = (await json(`${urls[0]}/api/v1/inventory?sort=price&limit=${CREATES}`)).body.offers
  const started = performance.now()
  const created = await Promise.all(
    offers.map((offer, i) =>
      json(`${urls[i % urls.length]}/api/v1/sessions`, {
        method: 'POST',
        headers: {'content-type': 'application/json', 'x-idempotency-key': `bench-${offer.id}`},
        body: JSON.stringify({offer_id: offer.id, consumer_id: 'bench', workload_type: 'batch', reservation_hours: 1}),
      }),
    ),
  )
  const accepted = performance.now() - started
  const ids = created.filter((r) => r.status === 201).map((r) => r.body.session.id)
  await waitFor('every session running', async () => {
    const sessions = (await json(`${urls[0]}/api/v1/sessions?consumer_id=bench&limit=${CREATES}`)).body.sessions
    return sessions.every((s) => s.status === 'running' || s.status === 'failed')
  })
  const running = performance.now() - started
  await Promise.all(ids.map((id, i) => json(`${urls[i % urls.length]}/api/v1/sessions/${id}/done`, {method: 'POST'})))
  await waitFor('every session released', async () => {
    const sessions = (await json(`${urls[0]}/api/v1/sessions?consumer_id=bench&limit=${CREATES}`)).body.sessions
    return sessions.every((s) => s.status === 'stopped' || s.stopped_at)
  })
  return {created: ids.length, acceptedPerSecond: ids.length / (accepted / 1000), allRunningMs: running}
}

const work = mkdtempSync(join(tmpdir(), 'gpu-shopper-bench-multi-'))
const cluster = await startPostgresCluster()
const vast = await startVastSim({port: 0})
const tensordock = await startTensorDockSim({port: 0})
const markets = {
  VASTAI_API_URL: vast.url,
  VASTAI_API_KEY: 'bench',
  TENSORDOCK_API_URL: tensordock.url,
  TENSORDOCK_API_TOKEN: 'bench',
  GPU_SHOPPER_VASTAI_CALLS_PER_SECOND: '1000',
  GPU_SHOPPER_TENSORDOCK_CALLS_PER_SECOND: '1000',
  GPU_SHOPPER_TIMINGS: JSON.stringify({pollIntervalMs: 200}),
}
const rows = []
try {
  for (const setup of [
    {name: '1 process, SQLite', processes: 1, env: {}},
    {name: '2 processes, PostgreSQL', processes: 2, env: {GPU_SHOPPER_DATABASE_URL: (await createTestDatabase(cluster.adminUrl)).url}},
  ]) {
    const home = join(work, setup.name.replace(/\W+/g, '-'))
    const servers = []
    for (let i = 0; i < setup.processes; i++) servers.push(await startServer(home, {...markets, ...setup.env}))
    const urls = servers.map((s) => s.url)
    await waitFor('the market', async () => (await json(`${urls.at(-1)}/api/v1/inventory?limit=1`)).body.total > 0)
    const inventory = await inventoryThroughput(urls)
    const burst = await createBurst(urls)
    rows.push({setup: setup.name, inventory, burst})
    for (const s of servers) await s.stop()
  }
  console.log(`| setup | inventory pages/s (10 connections) | inventory p50 | creates accepted/s (${CREATES} at once) | all ${CREATES} running |`)
  console.log('|---|---|---|---|---|')
  for (const r of rows) {
    console.log(
      `| ${r.setup} | ${Math.round(r.inventory.perSecond)}${r.inventory.errors ? ` (${r.inventory.errors} errors)` : ''} | ${r.inventory.p50} ms | ${Math.round(r.burst.acceptedPerSecond)} (${r.burst.created} created) | ${(r.burst.allRunningMs / 1000).toFixed(1)} s |`,
    )
  }
} finally {
  await vast.close()
  await tensordock.close()
  await cluster.stop()
  rmSync(work, {recursive: true, force: true})
}
