import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {ManualClock} from '../../core/clock.js'
import type {SshKeyPair} from '../../ssh/keys.js'
import {simControl} from '../control/control-client.js'
import {asctime} from '../shared/nvidia-smi.js'
import {connectSsh, execSsh, hostKeyFingerprint, loadableKeyPair} from '../shared/ssh-test-client.js'
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
  key = loadableKeyPair('td-ssh-test')
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
  if (!created.data) throw new Error(`create failed: ${JSON.stringify(created)}`)
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

describe('SSH into a simulated TensorDock VM', () => {
  it('fails whoever rents at a broken location: no_ssh takes no key even after cloud-init, no_boot ends in error', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {broken_locations: {[locationId]: 'no_ssh'}})
    const id = await create({runcmd: runcmdFor(key.publicKey)})
    const {host, port} = await untilAddressed(id)
    clock.advance(5000)
    await expect(connectSsh(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
    await expect(connectSsh(host, port, 'root', key.privateKey)).rejects.toThrow(/authentication/i)

    // (its GPU freed for the next rental at the same place)
    await api('DELETE', `/instances/${id}`)
    await simControl(sim.url, 'POST', '/_sim/config', {broken_locations: {[locationId]: 'no_boot'}})
    const other = await create({runcmd: runcmdFor(key.publicKey)})
    clock.advance(10_000)
    expect((await api('GET', `/instances/${other}`)).status).toBe('error')
    await expect(simControl(sim.url, 'POST', '/_sim/config', {broken_locations: {[locationId]: 'flaky'}})).rejects.toThrow(/broken_locations\..* must be one of no_ssh, no_boot/)
  })

  it('lets in user and root once cloud-init ran the runcmd that appends the key, and nvidia-smi reports the rented GPU', async () => {
    const id = await create({runcmd: runcmdFor(key.publicKey)})
    const {host, port} = await untilAddressed(id)
    expect(host).toBe('127.0.0.1')
    // Running with an address, but cloud-init has not run yet: the key is not there
    await expect(connectSsh(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
    clock.advance(5000)

    const user = await connectSsh(host, port, 'user', key.privateKey)
    try {
      expect(await execSsh(user, 'whoami')).toEqual({stdout: 'user\n', stderr: '', code: 0})
      // The fixture's layout, the rented RTX 4090, dated by the simulator's clock
      const table = await execSsh(user, 'nvidia-smi')
      expect(table.code).toBe(0)
      expect(table.stdout.split('\n')[0]).toBe(`${asctime(clock.now())}       `)
      expect(table.stdout.split('\n').slice(3, 8)).toEqual(fixture('nvidia-smi.txt').split('\n').slice(3, 8))
      expect(table.stdout).toMatch(/^\| {3}0 {2}NVIDIA GeForce RTX 4090 {8}Off \| {3}00000000:00:05\.0 Off \|/m)
      expect(table.stdout).toContain('/  24564MiB |      0%      Default |')
      expect((await execSsh(user, 'sudo nvidia-smi -L')).stdout).toMatch(/^GPU 0: NVIDIA GeForce RTX 4090 \(UUID: GPU-[0-9a-f-]{36}\)\n$/)
      await simControl(sim.url, 'POST', '/_sim/gpu-load', {instance_id: id, state: 'busy'})
      expect((await execSsh(user, 'nvidia-smi')).stdout).toContain('|    1395MiB /  24564MiB |    100%      Default |')
    } finally {
      user.end()
    }
    const root = await connectSsh(host, port, 'root', key.privateKey)
    try {
      expect(await execSsh(root, 'whoami')).toEqual({stdout: 'root\n', stderr: '', code: 0})
    } finally {
      root.end()
    }
  })

  it('gives every VM its own host key, and its box lies about its GPUs when told to', async () => {
    // Given two VMs on a hostnode with room for both (Joplin may have a single RTX 4090)
    const posted = await simControl<{ids: string[]}>(sim.url, 'POST', '/_sim/offers', {mode: 'append', data: {locations: [{city: 'Dallas', stateprovince: 'Texas', country: 'United States', gpus: [
      {v0Name, max_count: 2, network_features: {dedicated_ip_available: true, port_forwarding_available: true, network_storage_available: false}},
    ]}]}})
    locationId = posted.ids[0]!
    const first = await create({runcmd: runcmdFor(key.publicKey)})
    const second = await create({runcmd: runcmdFor(key.publicKey)})
    const a = await untilAddressed(first)
    const b = await untilAddressed(second)
    clock.advance(5000)

    // Then each presents its own host key, the one the control API names
    const seen = [await hostKeyFingerprint(a.host, a.port, key.privateKey), await hostKeyFingerprint(b.host, b.port, key.privateKey)]
    expect(seen[0]).not.toBe(seen[1])
    const listed = await simControl<{instances: {id: string; sim: {ssh_host_key_fingerprint: string}}[]}>(sim.url, 'GET', '/_sim/instances')
    expect(seen).toEqual([first, second].map((id) => listed.instances.find((i) => i.id === id)!.sim.ssh_host_key_fingerprint))

    // When the first is told to claim two H100s
    const lie = await simControl<{reports: unknown}>(sim.url, 'POST', '/_sim/gpu-report', {instance_id: first, gpu_name: 'h100-sxm5-80gb', num_gpus: 2})
    expect(lie.reports).toEqual({name: 'NVIDIA H100 80GB HBM3', num_gpus: 2, gpu_ram_mib: 81559, truthful: false})

    // Then its nvidia-smi says so, while the API and the other VM still show what was rented
    const user = await connectSsh(a.host, a.port, 'user', key.privateKey)
    try {
      const query = 'nvidia-smi --query-gpu=name,memory.total --format=csv,noheader'
      expect((await execSsh(user, query)).stdout).toBe('NVIDIA H100 80GB HBM3, 81559 MiB\nNVIDIA H100 80GB HBM3, 81559 MiB\n')
      expect(Object.keys((await api('GET', `/instances/${first}`)).resources.gpus)).toEqual([v0Name])
      await simControl(sim.url, 'POST', '/_sim/gpu-report', {instance_id: first})
      expect((await execSsh(user, query)).stdout).toBe('NVIDIA GeForce RTX 4090, 24564 MiB\n')
    } finally {
      user.end()
    }
    await expect(simControl(sim.url, 'POST', '/_sim/gpu-report', {instance_id: first, num_gpus: 0})).rejects.toThrow(/400.*num_gpus/)
  })

  it('does not let anyone in on the bare ssh_key attribute, as live', async () => {
    const id = await create()
    const {host, port} = await untilAddressed(id)
    clock.advance(60_000)
    await expect(connectSsh(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
    await expect(connectSsh(host, port, 'root', key.privateKey)).rejects.toThrow(/authentication/i)
  })

  it('keys only the users the runcmd wrote for', async () => {
    const id = await create({runcmd: [`mkdir -p ~/.ssh && echo "${key.publicKey}" >> ~/.ssh/authorized_keys`]})
    const {host, port} = await untilAddressed(id)
    clock.advance(5000)
    const root = await connectSsh(host, port, 'root', key.privateKey)
    root.end()
    await expect(connectSsh(host, port, 'user', key.privateKey)).rejects.toThrow(/authentication/i)
  })

  it('closes the door when the VM is deleted', async () => {
    const id = await create({runcmd: runcmdFor(key.publicKey)})
    const {host, port} = await untilAddressed(id)
    clock.advance(5000)
    const client = await connectSsh(host, port, 'user', key.privateKey)
    client.end()
    await api('DELETE', `/instances/${id}`)
    await expect(connectSsh(host, port, 'user', key.privateKey)).rejects.toThrow()
  })
})
