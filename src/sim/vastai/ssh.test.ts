import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import type {Client} from 'ssh2'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {ManualClock} from '../../core/clock.js'
import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'
import type {SshKeyPair} from '../../ssh/keys.js'
import {simControl} from '../control/control-client.js'
import {asctime} from '../shared/nvidia-smi.js'
import {connectSsh, execSsh, hostKeyFingerprint, loadableKeyPair} from '../shared/ssh-test-client.js'
import {startVastSim, type VastSimHandle} from './server.js'

/** Replies are asserted field by field below; a loose type keeps those assertions readable. */
 
type Loose = any

const START = Date.parse('2026-11-22T23:00:00Z')
const KEY = 'vast-ssh-key-5566778899'
const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'nvidia-smi', name), 'utf8')

let sim: VastSimHandle
let clock: ManualClock
let userKey: SshKeyPair

beforeEach(async () => {
  clock = new ManualClock(START)
  sim = await startVastSim({clock, seed: 42, apiKey: KEY, offerCount: 50})
  userKey = loadableKeyPair('ssh-test')
})

afterEach(async () => {
  await sim.close()
})

async function api(method: string, path: string, body?: unknown): Promise<Loose> {
  const res = await fetch(sim.url + path, {
    method,
    headers: {Authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return res.json()
}

/** Rents an offer (the first, or the first multi-GPU one) with the given runtype; returns the instance id and the offer. */
async function rentOffer(runtype = 'ssh_direc ssh_proxy', sshKeyInBody?: string, query: Record<string, unknown> = {}): Promise<{id: number; offer: Loose}> {
  const search = await api('POST', '/api/v0/bundles/', {limit: 1, ...query})
  const offer = search.offers[0]
  const created = await api('PUT', `/api/v0/asks/${offer.id}/`, {client_id: 'me', image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04', disk: 20, label: 'gpu-shopper:d:s', runtype, ...(sshKeyInBody ? {ssh_key: sshKeyInBody} : {})})
  return {id: created.new_contract as number, offer}
}

async function rent(runtype = 'ssh_direc ssh_proxy', sshKeyInBody?: string): Promise<number> {
  return (await rentOffer(runtype, sshKeyInBody)).id
}

/** Advances virtual time until the instance runs (a deadline in steps, no sleeping). */
async function untilRunning(id: number): Promise<{host: string; port: number; directPort: number | null}> {
  for (let step = 0; step < 100; step++) {
    const {instances} = await api('GET', `/api/v0/instances/${id}/`)
    if (instances.actual_status === 'running') {
      const direct = instances.ports?.['22/tcp']?.[0]?.HostPort
      return {host: instances.ssh_host, port: instances.ssh_port, directPort: direct === undefined ? null : Number(direct)}
    }
    clock.advance(250)
  }
  throw new Error(`instance ${id} never ran`)
}

/** Vast containers take logins as root only. */
function connect(host: string, port: number, privateKey: string): Promise<Client> {
  return connectSsh(host, port, 'root', privateKey)
}

describe('the SSH endpoint of a simulated instance', () => {
  it('lets in the attached key once running, and nvidia-smi reports the offer that was rented', async () => {
    const {id, offer} = await rentOffer('ssh_direc ssh_proxy', undefined, {num_gpus: {gte: 2}})
    await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: userKey.publicKey})
    const {host, port, directPort} = await untilRunning(id)
    expect(host).toBe('127.0.0.1')
    expect(directPort).toBe(port)

    const client = await connect(host, port, userKey.privateKey)
    try {
      // Every GPU of the offer, by the name the driver gives that model, with the offer's VRAM and driver
      const query = 'nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits'
      const rows = (await execSsh(client, query)).stdout.trim().split('\n').map((l) => l.split(', '))
      expect(rows.map((r) => r[0])).toEqual(Array.from({length: offer.num_gpus}, (_, i) => String(i)))
      for (const [, name, mib, driver] of rows) {
        expect(normalizeGpuName(name!, vramGbFromMib(Number(mib)))).toBe(normalizeGpuName(offer.gpu_name, vramGbFromMib(offer.gpu_ram)))
        expect([Number(mib), driver]).toEqual([offer.gpu_ram, offer.driver_version])
      }
      const table = await execSsh(client, 'nvidia-smi')
      expect(table.code).toBe(0)
      expect(table.stdout.split('\n')[0]).toBe(`${asctime(clock.now())}       `)
      expect(table.stdout).toContain(`Driver Version: ${String(offer.driver_version).padEnd(15)}CUDA Version: ${Number(offer.cuda_max_good).toFixed(1)}`)
      expect(table.stdout.split('\n').slice(3, 8)).toEqual(fixture('nvidia-smi.txt').split('\n').slice(3, 8))
      expect((await execSsh(client, 'nvidia-smi -L')).stdout.split('\n').filter((l) => l.startsWith('GPU '))).toHaveLength(offer.num_gpus)

      // When the GPU gets busy, the same probes say so
      await simControl(sim.url, 'POST', '/_sim/gpu-load', {instance_id: id, state: 'busy'})
      expect((await execSsh(client, 'nvidia-smi')).stdout).toContain('python3')
      expect((await execSsh(client, 'nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits')).stdout).toBe('100\n'.repeat(offer.num_gpus))
      expect((await api('GET', `/api/v0/instances/${id}/`)).instances.gpu_util).toBe(1)

      expect(await execSsh(client, 'echo "hello world" && hostname')).toEqual({stdout: `hello world\nC.${id}\n`, stderr: '', code: 0})
      expect(await execSsh(client, 'nvtop')).toEqual({stdout: '', stderr: 'nvtop: not available on this simulated instance\n', code: 127})
      expect((await execSsh(client, 'cat /etc/os-release')).stdout).toContain('Ubuntu 22.04')
      expect((await execSsh(client, 'uname -a')).stdout).toMatch(/^Linux C\.\d+ .* x86_64 GNU\/Linux\n$/)
    } finally {
      client.end()
    }
  })

  it('refuses a key that was not attached, and the create body ssh_key like the real hosts do', async () => {
    const stranger = loadableKeyPair('stranger')
    const id = await rent('ssh_direc ssh_proxy', stranger.publicKey)
    await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: userKey.publicKey})
    const {host, port} = await untilRunning(id)
    await expect(connect(host, port, stranger.privateKey)).rejects.toThrow(/authentication/i)
  })

  it('does not let anyone in before the instance runs, nor before the key has propagated', async () => {
    await simControl(sim.url, 'POST', '/_sim/config', {timings: {key_propagation_ms: 10_000}})
    const id = await rent()
    await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: userKey.publicKey})
    // The sshd is up from the start (the control API knows its port) but refuses logins while loading
    const listed = await simControl<{instances: {id: number; sim: {ssh_listen_port: number}}[]}>(sim.url, 'GET', '/_sim/instances')
    const early = listed.instances.find((i) => i.id === id)!.sim.ssh_listen_port
    await expect(connect('127.0.0.1', early, userKey.privateKey)).rejects.toThrow(/authentication/i)
    const {host, port} = await untilRunning(id)
    expect(port).toBe(early)
    await expect(connect(host, port, userKey.privateKey)).rejects.toThrow(/authentication/i)
    clock.advance(10_000)
    const client = await connect(host, port, userKey.privateKey)
    client.end()
  })

  it('puts account keys on new instances only, and reports ssh_port one lower for jupyter runtypes', async () => {
    await api('POST', '/api/v0/ssh/', {ssh_key: userKey.publicKey})
    const id = await rent('jupyter_direc ssh_direc ssh_proxy')
    const {host, port, directPort} = await untilRunning(id)
    // vast.py connects to ssh_port + 1 for jupyter runtypes
    expect(directPort).toBe(port + 1)
    const client = await connect(host, port + 1, userKey.privateKey)
    client.end()
  })

  it('offers an interactive shell with a prompt that runs the same commands', async () => {
    const id = await rent()
    await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: userKey.publicKey})
    const {host, port} = await untilRunning(id)
    const client = await connect(host, port, userKey.privateKey)
    try {
      const output = await new Promise<string>((resolve, reject) => {
        client.shell({term: 'xterm', rows: 24, cols: 80}, (error, stream) => {
          if (error) return reject(error)
          let out = ''
          stream.on('data', (d: Buffer) => {
            out += d.toString('utf8')
            if (out.endsWith(`root@C.${id}:~# `) && out.includes('exit')) return
            if (out === `root@C.${id}:~# `) stream.write('echo hi\r')
            else if (out.includes('hi\r\n') && !out.includes('nvidia')) stream.write('nvidia-smi -L\r')
            else if (out.includes('GPU 0:') && !out.includes('exit')) stream.write('exit\r')
          })
          stream.on('close', () => resolve(out))
        })
      })
      expect(output).toContain(`root@C.${id}:~# echo hi\r\nhi\r\n`)
      expect(output).toMatch(/GPU 0: (NVIDIA|Tesla|Quadro) /)
    } finally {
      client.end()
    }
  })

  it('gives every instance its own host key, and lets a box lie about its GPUs', async () => {
    // Given two running instances with the user's key
    const ids = [await rent(), await rent()]
    const endpoints = []
    for (const id of ids) {
      await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: userKey.publicKey})
      endpoints.push(await untilRunning(id))
    }

    // Then their host keys differ, and are the ones the control API names
    const seen = await Promise.all(endpoints.map((e) => hostKeyFingerprint(e.host, e.port, userKey.privateKey)))
    expect(seen[0]).not.toBe(seen[1])
    const listed = await simControl<{instances: {id: number; sim: {ssh_host_key_fingerprint: string}}[]}>(sim.url, 'GET', '/_sim/instances')
    expect(seen).toEqual(ids.map((id) => listed.instances.find((i) => i.id === id)!.sim.ssh_host_key_fingerprint))

    // When the first claims a single RTX 3090 with half its VRAM
    const reply = await simControl<{reports: unknown}>(sim.url, 'POST', '/_sim/gpu-report', {instance_id: ids[0], gpu_name: 'RTX 3090', num_gpus: 1, gpu_ram_mib: 12288})

    // Then its nvidia-smi says exactly that, while the API still shows the rented offer
    expect(reply.reports).toEqual({name: 'NVIDIA GeForce RTX 3090', num_gpus: 1, gpu_ram_mib: 12288, truthful: false})
    const client = await connect(endpoints[0]!.host, endpoints[0]!.port, userKey.privateKey)
    try {
      expect((await execSsh(client, 'nvidia-smi --query-gpu=name,memory.total --format=csv,noheader')).stdout).toBe('NVIDIA GeForce RTX 3090, 12288 MiB\n')
      expect((await execSsh(client, 'nvidia-smi -L')).stdout).toMatch(/^GPU 0: NVIDIA GeForce RTX 3090 \(UUID: GPU-[0-9a-f-]{36}\)\n$/)
    } finally {
      client.end()
    }
    const shown = (await api('GET', `/api/v0/instances/${ids[0]}/`)).instances
    expect(shown.gpu_name).not.toBe('RTX 3090')
    await expect(simControl(sim.url, 'POST', '/_sim/gpu-report', {instance_id: 1})).rejects.toThrow(/404/)
    await expect(simControl(sim.url, 'POST', '/_sim/gpu-report', {gpu_name: 'RTX 3090'})).rejects.toThrow(/400/)
  })

  it('closes the endpoint when the instance is destroyed', async () => {
    const id = await rent()
    await api('POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: userKey.publicKey})
    const {host, port} = await untilRunning(id)
    await api('DELETE', `/api/v0/instances/${id}/`, {})
    await expect(connect(host, port, userKey.privateKey)).rejects.toThrow()
  })
})
