import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Client} from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import type {SshKeyPair} from '../../ssh/keys.js'
import {simControl} from '../control/control-client.js'
import {probePort} from '../shared/port-test-client.js'
import {connectSsh, execSsh, forwardThrough, loadableKeyPair} from '../shared/ssh-test-client.js'
import {startVastSim, type VastSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const KEY = 'vast-workload-key-4242'
/** The line the daemon sends over SSH to launch a workload, once. */
const LAUNCH =
  "mkdir -p ~/.gpu-shopper && mkdir ~/.gpu-shopper/workload 2>/dev/null && nohup env 'HF_TOKEN=abc' 'FOO=b a r' sh -c 'vllm serve '\\''org/model-1'\\'' --host 0.0.0.0 --port 8000' > ~/.gpu-shopper/workload.log 2>&1 < /dev/null &"

let clock: ManualClock
let userKey: SshKeyPair
let stateDir: string
const running: VastSimHandle[] = []
const clients: Client[] = []

beforeEach(() => {
  clock = new ManualClock(START)
  userKey = loadableKeyPair('workload-test')
  stateDir = mkdtempSync(join(tmpdir(), 'gpu-shopper-vast-workload-'))
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.end()
  await Promise.all(running.splice(0).map((s) => s.close()))
  rmSync(stateDir, {recursive: true, force: true})
})

async function start(): Promise<VastSimHandle> {
  const sim = await startVastSim({clock, seed: 42, apiKey: KEY, offerCount: 50, stateDir})
  running.push(sim)
  return sim
}

async function api(sim: VastSimHandle, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(sim.url + path, {
    method,
    headers: {Authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return res.json()
}

/** Rents the first offer with the vLLM image and port 8000 published, the user's key attached. */
async function rentVllm(sim: VastSimHandle): Promise<number> {
  const {offers} = await api(sim, 'POST', '/api/v0/bundles/', {limit: 1})
  const created = await api(sim, 'PUT', `/api/v0/asks/${offers[0].id}/`, {
    client_id: 'me', image: 'vllm/vllm-openai:latest', disk: 40, label: 'workload-test', runtype: 'ssh_direc ssh_proxy',
    env: {HF_TOKEN: 'abc', '-p 8000:8000': '1'},
  })
  await api(sim, 'POST', `/api/v0/instances/${created.new_contract}/ssh/`, {ssh_key: userKey.publicKey})
  return created.new_contract as number
}

/** Moves virtual time until the instance runs; its SSH endpoint and the host port published for 8000. */
async function untilRunning(sim: VastSimHandle, id: number): Promise<{sshPort: number; webPort: number}> {
  for (let step = 0; step < 100; step++) {
    const {instances} = await api(sim, 'GET', `/api/v0/instances/${id}/`)
    if (instances.actual_status === 'running') return {sshPort: instances.ssh_port, webPort: Number(instances.ports['8000/tcp'][0].HostPort)}
    clock.advance(250)
  }
  throw new Error(`instance ${id} never ran`)
}

async function ssh(port: number): Promise<Client> {
  const client = await connectSsh('127.0.0.1', port, 'root', userKey.privateKey)
  clients.push(client)
  return client
}

async function get(port: number, path: string): Promise<{status: number; text: string}> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`)
  return {status: res.status, text: await res.text()}
}

async function workloadsOf(sim: VastSimHandle, id: number): Promise<any[]> {
  const {instances} = await simControl<{instances: {id: number; sim: {workloads: any[]}}[]}>(sim.url, 'GET', '/_sim/instances')
  return instances.find((i) => i.id === id)!.sim.workloads
}

describe('a workload on a simulated Vast instance', () => {
  it('serves vLLM on the published port and through an SSH forward, once, until the instance is destroyed', async () => {
    // Given a running vLLM instance with 8000 published: a real host port, with nothing behind it yet
    const sim = await start()
    const id = await rentVllm(sim)
    const {sshPort, webPort} = await untilRunning(sim, id)
    expect(webPort).not.toBe(sshPort)
    expect(await probePort(webPort)).toBe('closed')

    // When the daemon's launch line runs over SSH
    const client = await ssh(sshPort)
    expect(await execSsh(client, LAUNCH)).toEqual({stdout: '', stderr: '', code: 0})

    // Then the server loads (503), and answers once the simulator's clock has passed the load time
    expect((await get(webPort, '/health')).status).toBe(503)
    expect((await execSsh(client, 'cat ~/.gpu-shopper/workload.log')).stdout).toContain('Starting to load model org/model-1...')
    clock.advance(3000)
    expect(await get(webPort, '/health')).toEqual({status: 200, text: ''})
    expect(JSON.parse((await get(webPort, '/v1/models')).text).data[0]).toMatchObject({id: 'org/model-1', owned_by: 'vllm'})
    expect((await execSsh(client, 'tail -n 1 ~/.gpu-shopper/workload.log')).stdout).toBe('INFO:     Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)\n')

    // And the same line again starts nothing new
    expect((await execSsh(client, LAUNCH)).code).toBe(0)
    expect(await workloadsOf(sim, id)).toEqual([expect.objectContaining({kind: 'vllm', model: 'org/model-1', port: 8000, state: 'ready'})])

    // And `ssh -L …:127.0.0.1:8000` reaches the same server; a port nothing listens on is refused as sshd refuses it
    const viaSsh = await forwardThrough(client, '127.0.0.1', 8000, 'GET /v1/models HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n')
    expect(viaSsh).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(viaSsh).toContain('"id":"org/model-1"')
    await expect(forwardThrough(client, '127.0.0.1', 8001, '')).rejects.toThrow(/open failure/i)
    await expect(forwardThrough(client, '10.1.2.3', 8000, '')).rejects.toThrow(/open failure/i)
    expect(await forwardThrough(client, 'localhost', 22, '')).toMatch(/^SSH-2\.0-/)

    // When the instance is destroyed, the published port and the server are gone
    await api(sim, 'DELETE', `/api/v0/instances/${id}/`, {})
    expect(await probePort(webPort)).toBe('refused')
  })

  it('ends the workload when the instance is stopped, and publishes the port again when it starts', async () => {
    const sim = await start()
    const id = await rentVllm(sim)
    const {sshPort, webPort} = await untilRunning(sim, id)
    expect((await execSsh(await ssh(sshPort), LAUNCH)).code).toBe(0)

    await api(sim, 'PUT', `/api/v0/instances/${id}/`, {state: 'stopped'})
    expect(await probePort(webPort)).toBe('refused')
    expect(await workloadsOf(sim, id)).toEqual([])

    await api(sim, 'PUT', `/api/v0/instances/${id}/`, {state: 'running'})
    const again = await untilRunning(sim, id)
    expect(again.webPort).toBe(webPort)
    // The container started afresh: nothing serves 8000 until a workload is launched again
    expect(await probePort(again.webPort)).toBe('closed')
  })

  it('keeps a launched server running across a simulator restart from its state file', async () => {
    // Given a server launched and still loading
    const first = await start()
    const id = await rentVllm(first)
    const {sshPort, webPort} = await untilRunning(first, id)
    expect((await execSsh(await ssh(sshPort), LAUNCH)).code).toBe(0)
    for (const client of clients.splice(0)) client.end()
    await first.close()
    running.splice(0)
    expect(await probePort(webPort)).toBe('refused')

    // When the simulator starts again on the same state
    const second = await start()
    const after = await untilRunning(second, id)

    // Then the same host port serves the same server, which finishes loading on the same deadline
    expect(after.webPort).toBe(webPort)
    expect((await get(after.webPort, '/health')).status).toBe(503)
    clock.advance(3000)
    expect((await get(after.webPort, '/health')).status).toBe(200)
    expect(JSON.parse((await get(after.webPort, '/v1/models')).text).data[0].id).toBe('org/model-1')
    // And the launch is still once only
    expect((await execSsh(await ssh(after.sshPort), LAUNCH)).code).toBe(0)
    expect(await workloadsOf(second, id)).toHaveLength(1)
  })

  it('takes model_load_ms through the control API, 0 serving at once', async () => {
    const sim = await start()
    const reply = await simControl<{config: {timings: {model_load_ms: number}}}>(sim.url, 'POST', '/_sim/config', {timings: {model_load_ms: 0}})
    expect(reply.config.timings.model_load_ms).toBe(0)
    const id = await rentVllm(sim)
    const {sshPort, webPort} = await untilRunning(sim, id)
    expect((await execSsh(await ssh(sshPort), LAUNCH)).code).toBe(0)
    expect((await get(webPort, '/health')).status).toBe(200)
  })
})
