import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {Client} from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {ManualClock} from '../../core/clock.js'
import {generateSessionKeyPair, type SshKeyPair} from '../../ssh/keys.js'
import {simControl} from '../control/control-client.js'
import {startTensorDockSim, type TensorDockSimHandle} from './server.js'

const START = Date.parse('2026-11-22T23:00:00Z')
const TOKEN = 'td-ssh-token-31337'
const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'nvidia-smi', name), 'utf8')

let sim: TensorDockSimHandle
let clock: ManualClock
let key: SshKeyPair
let locationId: string
let v0Name: string

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startTensorDockSim({clock, seed: 11, apiToken: TOKEN, churn: false, timings: {ipAssignMs: 2000, cloudInitMs: 5000}})
  key = generateSessionKeyPair('td-ssh-test')
  const res = await api('GET', '/locations')
  const joplin = res.data.locations.find((l: any) => l.city === 'Joplin')
  locationId = joplin.id
  v0Name = 'geforcertx4090-pcie-24gb'
})

afterEach(async () => {
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

/** cloud-gpu-shopper's working recipe: runcmd writes the key for root and for `user`. */
function runcmdFor(publicKey: string): string[] {
  return [
    'mkdir -p /root/.ssh /home/user/.ssh',
    `echo '${publicKey}' >> /root/.ssh/authorized_keys`,
    `echo '${publicKey}' >> /home/user/.ssh/authorized_keys`,
    'chown -R user:user /home/user/.ssh && chmod 600 /home/user/.ssh/authorized_keys',
  ]
}

async function create(cloudInit?: unknown): Promise<string> {
  const created = await api('POST', '/instances', {
    data: {
      type: 'virtualmachine',
      attributes: {
        name: 'shopper-ssh', type: 'virtualmachine', image: 'ubuntu2204', location_id: locationId, useDedicatedIp: true, ssh_key: key.publicKey,
        resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {[v0Name]: {count: 1}}},
        ...(cloudInit === undefined ? {} : {cloud_init: cloudInit}),
      },
    },
  })
  return created.data.id as string
}

/** Polls the API as an adapter would, moving virtual time instead of sleeping. */
async function untilAddressed(id: string): Promise<{host: string; port: number}> {
  for (let step = 0; step < 100; step++) {
    const vm = await api('GET', `/instances/${id}`)
    const forward = vm.portForwards.find((f: any) => f.internal_port === 22)
    if (vm.status === 'running' && vm.ipAddress !== '' && forward) return {host: vm.ipAddress, port: forward.external_port}
    clock.advance(250)
  }
  throw new Error(`instance ${id} never got an address`)
}

function connect(host: string, port: number, username: string, privateKey: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new Client()
    client.on('ready', () => resolve(client))
    client.on('error', reject)
    client.connect({host, port, username, privateKey, readyTimeout: 5000, hostVerifier: () => true})
  })
}

function exec(client: Client, command: string): Promise<{stdout: string; code: number | null}> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error)
      let stdout = ''
      let code: number | null = null
      stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
      stream.stderr.on('data', () => undefined)
      stream.on('exit', (c: number) => (code = c))
      stream.on('close', () => resolve({stdout, code}))
    })
  })
}

describe('SSH into a simulated TensorDock VM', () => {
  it('lets in user and root once cloud-init ran the runcmd that appends the key, and answers nvidia-smi from the fixtures', async () => {
    const id = await create({runcmd: runcmdFor(key.publicKey)})
    const {host, port} = await untilAddressed(id)
    expect(host).toBe('127.0.0.1')
    // Running with an address, but cloud-init has not run yet: the key is not there
    await expect(connect(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
    clock.advance(5000)

    const user = await connect(host, port, 'user', key.privateKey)
    try {
      expect(await exec(user, 'whoami')).toEqual({stdout: 'user\n', code: 0})
      expect(await exec(user, 'nvidia-smi')).toEqual({stdout: fixture('nvidia-smi.txt'), code: 0})
      expect((await exec(user, 'sudo nvidia-smi -L')).stdout).toBe(fixture('nvidia-smi-L.txt'))
      await simControl(sim.url, 'POST', '/_sim/gpu-load', {instance_id: id, state: 'busy'})
      expect((await exec(user, 'nvidia-smi')).stdout).toBe(fixture('nvidia-smi-busy.txt'))
    } finally {
      user.end()
    }
    const root = await connect(host, port, 'root', key.privateKey)
    try {
      expect(await exec(root, 'whoami')).toEqual({stdout: 'root\n', code: 0})
    } finally {
      root.end()
    }
  })

  it('does not let anyone in on the bare ssh_key attribute, as live', async () => {
    const id = await create()
    const {host, port} = await untilAddressed(id)
    clock.advance(60_000)
    await expect(connect(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
    await expect(connect(host, port, 'root', key.privateKey)).rejects.toThrow(/authentication/i)
  })

  it('keys only the users the runcmd wrote for', async () => {
    const id = await create({runcmd: [`mkdir -p ~/.ssh && echo "${key.publicKey}" >> ~/.ssh/authorized_keys`]})
    const {host, port} = await untilAddressed(id)
    clock.advance(5000)
    const root = await connect(host, port, 'root', key.privateKey)
    root.end()
    await expect(connect(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
  })

  it('closes the door when the VM is deleted', async () => {
    const id = await create({runcmd: runcmdFor(key.publicKey)})
    const {host, port} = await untilAddressed(id)
    clock.advance(5000)
    const client = await connect(host, port, 'user', key.privateKey)
    client.end()
    await api('DELETE', `/instances/${id}`)
    await expect(connect(host, port, 'user', key.privateKey)).rejects.toThrow()
  })
})
