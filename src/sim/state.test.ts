import {cpSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../core/clock.js'
import {generateSessionKeyPair} from '../ssh/keys.js'
import {runRemoteCommand} from '../ssh/run-command.js'
import {pollUntil} from '../../test/support/poll.js'
import {simControl} from './control/control-client.js'
import {startSimulators, type Simulators} from './index.js'

const VAST_KEY = 'state-test-key'
const TD_TOKEN = 'state-test-token'
const START = Date.parse('2026-11-22T23:00:00Z')
const user = generateSessionKeyPair('state-test')

let dir: string
let clock: ManualClock
const running: Simulators[] = []

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-sim-state-'))
  clock = new ManualClock(START)
})

afterEach(async () => {
  await Promise.allSettled(running.splice(0).map((s) => s.close()))
  rmSync(dir, {recursive: true, force: true})
})

async function start(stateDir = dir): Promise<Simulators> {
  const sims = await startSimulators({seed: 7, offerCount: 40, clock, stateDir})
  running.push(sims)
  return sims
}

async function vast(sims: Simulators, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(sims.vastai.url + path, {
    method,
    headers: {Authorization: `Bearer ${VAST_KEY}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return res.json()
}

async function td(sims: Simulators, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sims.tensordock.url}/api/v2${path}`, {
    method,
    headers: {Authorization: `Bearer ${TD_TOKEN}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return res.json()
}

/** Rents the cheapest Vast offer with the user's key attached; returns the instance id. */
async function rentVast(sims: Simulators): Promise<number> {
  const {offers} = await vast(sims, 'POST', '/api/v0/bundles/', {order: [['dph_total', 'asc']], limit: 1})
  const {new_contract: id} = await vast(sims, 'PUT', `/api/v0/asks/${offers[0].id}/`, {client_id: 'me', image: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04', disk: 20, label: 'state-test', runtype: 'ssh_direc ssh_proxy'})
  await vast(sims, 'POST', `/api/v0/instances/${id}/ssh/`, {ssh_key: user.publicKey})
  return id as number
}

async function rentTensorDock(sims: Simulators): Promise<string> {
  const {data} = await td(sims, 'GET', '/locations')
  const location = data.locations.find((l: any) => l.gpus.some((g: any) => g.max_count > 0 && g.network_features.dedicated_ip_available))
  const gpu = location.gpus.find((g: any) => g.max_count > 0 && g.network_features.dedicated_ip_available)
  const created = await td(sims, 'POST', '/instances', {data: {type: 'virtualmachine', attributes: {
    name: 'state-test', type: 'virtualmachine', image: 'ubuntu2204', location_id: location.id, useDedicatedIp: true, ssh_key: user.publicKey,
    resources: {vcpu_count: 2, ram_gb: 8, storage_gb: 100, gpus: {[gpu.v0Name]: {count: 1}}},
    cloud_init: {runcmd: [`mkdir -p /home/user/.ssh && echo '${user.publicKey}' >> /home/user/.ssh/authorized_keys`]},
  }}})
  return created.data.id as string
}

/** Where the instance's sshd listens and which host key it shows, once it is up (virtual time moves, no sleeping). */
async function vastEndpoint(sims: Simulators, id: number): Promise<{host: string; port: number}> {
  for (let step = 0; step < 100; step++) {
    const {instances} = await vast(sims, 'GET', `/api/v0/instances/${id}/`)
    if (instances?.actual_status === 'running') return {host: instances.ssh_host, port: instances.ssh_port}
    clock.advance(250)
  }
  throw new Error(`instance ${id} never ran`)
}

async function tdEndpoint(sims: Simulators, id: string): Promise<{host: string; port: number}> {
  for (let step = 0; step < 100; step++) {
    const vm = await td(sims, 'GET', `/instances/${id}`)
    const ssh = vm.portForwards?.find((f: any) => f.internal_port === 22)
    if (vm.status === 'running' && vm.ipAddress && ssh) {
      clock.advance(5_000)
      return {host: vm.ipAddress, port: ssh.external_port}
    }
    clock.advance(250)
  }
  throw new Error(`VM ${id} never got an address`)
}

const sh = (at: {host: string; port: number}, who: string, command: string, hostKeyFingerprint: string | null = null) =>
  runRemoteCommand({...at, user: who, privateKey: user.privateKey, hostKeyFingerprint}, command, 10_000)

describe('simulator state across restarts', () => {
  it('brings back the instances, their machines, disks, host keys and ports, and never reuses an id', async () => {
    // Given an instance on each marketplace, with a file written on each machine
    let sims = await start()
    const vastId = await rentVast(sims)
    const tdId = await rentTensorDock(sims)
    const vastAt = await vastEndpoint(sims, vastId)
    const tdAt = await tdEndpoint(sims, tdId)
    const vastFirst = await sh(vastAt, 'root', 'echo "checkpoint 7" > /workspace/ckpt.txt')
    const tdFirst = await sh(tdAt, 'user', 'mkdir -p runs && echo done > runs/state')
    const listedBefore = (await vast(sims, 'GET', '/api/v1/instances/')).instances

    // When the simulators stop and start again on the same directory
    await sims.close()
    sims = await start()

    // Then the instances are running at the same addresses, behind the same host keys, with their files
    expect(await vastEndpoint(sims, vastId)).toEqual(vastAt)
    expect(await tdEndpoint(sims, tdId)).toEqual(tdAt)
    expect((await sh(vastAt, 'root', 'cat /workspace/ckpt.txt', vastFirst.hostKeyFingerprint)).stdout).toBe('checkpoint 7\n')
    expect((await sh(tdAt, 'user', 'cat runs/state', tdFirst.hostKeyFingerprint)).stdout).toBe('done\n')
    const summary = (rows: any[]) => rows.map((i) => [i.id, i.label, i.actual_status, i.ssh_port, i.gpu_name, i.dph_total, i.start_date])
    expect(summary((await vast(sims, 'GET', '/api/v1/instances/')).instances)).toEqual(summary(listedBefore))

    // And new instances get new ids, also after a reset through the control API
    const next = await rentVast(sims)
    expect(next).toBeGreaterThan(vastId)
    await simControl(sims.vastai.url, 'POST', '/_sim/reset')
    await simControl(sims.tensordock.url, 'POST', '/_sim/reset')
    const afterReset = await rentVast(sims)
    expect(afterReset).toBeGreaterThan(next)
    expect(await rentTensorDock(sims)).not.toBe(tdId)
  })

  it('writes every change as it happens, so a simulator that dies keeps what it had', async () => {
    // Given a running instance with a file on its disk
    const sims = await start()
    const id = await rentVast(sims)
    const at = await vastEndpoint(sims, id)
    const first = await sh(at, 'root', 'echo saved > /root/note')

    // When the state files have caught up (no close: as if the process were killed now)
    await pollUntil(
      async () => (readFileSync(join(dir, 'vastai.json'), 'utf8').includes(Buffer.from('saved\n').toString('base64')) ? true : undefined),
      'the disk write reached vastai.json',
      5_000,
      20,
    )
    const copy = mkdtempSync(join(tmpdir(), 'gpu-shopper-sim-state-copy-'))
    try {
      cpSync(dir, copy, {recursive: true})

      // Then simulators started on that copy have the instance, its disk and its host key
      const again = await start(copy)
      const back = await vastEndpoint(again, id)
      expect((await sh(back, 'root', 'cat /root/note', first.hostKeyFingerprint)).stdout).toBe('saved\n')
      // The old process still holds the port, so the sshd came back on another one, as the API says
      expect(back.port).not.toBe(at.port)
    } finally {
      await Promise.allSettled(running.splice(1).map((s) => s.close()))
      rmSync(copy, {recursive: true, force: true})
    }
  })
})
