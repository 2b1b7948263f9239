import type {Client} from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import type {SshKeyPair} from '../../ssh/keys.js'
import {probePort} from '../shared/port-test-client.js'
import {connectSsh, execSsh, forwardThrough, loadableKeyPair} from '../shared/ssh-test-client.js'
import {startTensorDockSim, type TensorDockSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const TOKEN = 'td-workload-token-2718'

let sim: TensorDockSimHandle
let clock: ManualClock
let key: SshKeyPair
const clients: Client[] = []

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startTensorDockSim({clock, seed: 11, apiToken: TOKEN, churn: false, timings: {ipAssignMs: 2000, cloudInitMs: 5000}})
  key = loadableKeyPair('td-workload-test')
})

afterEach(async () => {
  for (const client of clients.splice(0)) client.end()
  await sim.close()
})

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(sim.url + '/api/v2' + path, {
    method,
    headers: {Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return res.json()
}

/** A location-based VM as the daemon asks for one: a dedicated IP, and forwards for 22 and the exposed 8000. */
async function createVm(): Promise<string> {
  const {data} = await api('GET', '/locations')
  const location = data.locations.find((l: any) => l.gpus.some((g: any) => g.max_count > 0 && g.network_features.dedicated_ip_available))
  const gpu = location.gpus.find((g: any) => g.max_count > 0 && g.network_features.dedicated_ip_available)
  const created = await api('POST', '/instances', {data: {type: 'virtualmachine', attributes: {
    name: 'shopper-workload', type: 'virtualmachine', image: 'ubuntu2204', location_id: location.id, useDedicatedIp: true, ssh_key: key.publicKey,
    port_forwards: [{protocol: 'tcp', internal_port: 22, external_port: 22}, {protocol: 'tcp', internal_port: 8000, external_port: 8000}],
    resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {[gpu.v0Name]: {count: 1}}},
    cloud_init: {runcmd: ['mkdir -p /home/user/.ssh', `echo '${key.publicKey}' >> /home/user/.ssh/authorized_keys`]},
  }}})
  if (!created.data) throw new Error(`create failed: ${JSON.stringify(created)}`)
  return created.data.id as string
}

/** Polls as an adapter would, moving virtual time past cloud-init; the external ports of 22 and 8000. */
async function untilReady(id: string): Promise<{sshPort: number; webPort: number}> {
  for (let step = 0; step < 100; step++) {
    const vm = await api('GET', `/instances/${id}`)
    const port = (internal: number) => vm.portForwards.find((f: any) => f.internal_port === internal)?.external_port
    if (vm.status === 'running' && vm.ipAddress !== '' && port(22) && port(8000)) {
      clock.advance(5000)
      return {sshPort: port(22), webPort: port(8000)}
    }
    clock.advance(250)
  }
  throw new Error(`VM ${id} never came up`)
}

async function ssh(port: number): Promise<Client> {
  const client = await connectSsh('127.0.0.1', port, 'user', key.privateKey)
  clients.push(client)
  return client
}

/** A generic workload as the daemon launches one: once, its output in the workload log. */
function launchLine(command: string): string {
  const quoted = `'${command.replace(/'/g, "'\\''")}'`
  return `mkdir -p ~/.gpu-shopper && mkdir ~/.gpu-shopper/workload 2>/dev/null && nohup env 'FOO=b a r' sh -c ${quoted} > ~/.gpu-shopper/workload.log 2>&1 < /dev/null &`
}

describe('a workload on a simulated TensorDock VM', () => {
  it('forwards 8000 on a real port of its own, runs a generic start command once, and has no vLLM', async () => {
    // Given a VM whose forward for 8000 is a real listener (the port asked for is the renter's own loopback port)
    const id = await createVm()
    const {sshPort, webPort} = await untilReady(id)
    expect(webPort).not.toBe(8000)
    expect(webPort).not.toBe(sshPort)
    expect(await probePort(webPort)).toBe('closed')

    // When a generic start command is launched twice, it runs once, with the variables given
    const client = await ssh(sshPort)
    const line = launchLine('echo "started with $FOO" >> ~/runs.txt && echo done')
    expect(await execSsh(client, line)).toEqual({stdout: '', stderr: '', code: 0})
    expect(await execSsh(client, line)).toEqual({stdout: '', stderr: '', code: 0})
    expect((await execSsh(client, 'cat ~/runs.txt ~/.gpu-shopper/workload.log')).stdout).toBe('started with b a r\ndone\n')

    // And vLLM is not on an OS image: the launch fails as bash says, and nothing serves 8000
    const vllm = await execSsh(client, "vllm serve 'org/model-1' --port 8000")
    expect(vllm).toEqual({stdout: '', stderr: 'bash: vllm: command not found\n', code: 127})
    await execSsh(client, 'rm -r ~/.gpu-shopper')
    expect((await execSsh(client, launchLine("vllm serve 'org/model-1' --host 0.0.0.0 --port 8000"))).code).toBe(0)
    expect((await execSsh(client, 'cat ~/.gpu-shopper/workload.log')).stdout).toBe('bash: vllm: command not found\n')
    expect(await probePort(webPort)).toBe('closed')
    await expect(forwardThrough(client, '127.0.0.1', 8000, '')).rejects.toThrow(/open failure/i)
    expect(await forwardThrough(client, '127.0.0.1', 22, '')).toMatch(/^SSH-2\.0-/)

    // When the VM stops, its forward closes; started again, it is back on the same port
    await api('POST', `/instances/${id}/stop`)
    expect(await probePort(webPort)).toBe('refused')
    await api('POST', `/instances/${id}/start`)
    expect((await api('GET', `/instances/${id}`)).portForwards).toContainEqual({internal_port: 8000, external_port: webPort})
    expect(await probePort(webPort)).toBe('closed')

    // And deleting it closes the forward for good
    await api('DELETE', `/instances/${id}`)
    expect(await probePort(webPort)).toBe('refused')
  })
})
