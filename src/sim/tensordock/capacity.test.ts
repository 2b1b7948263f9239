import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {StaleInventoryError} from '../../providers/errors.js'
import {TensorDockAdapter} from '../../providers/tensordock/tensordock-adapter.js'
import {generateSessionKeyPair} from '../../ssh/keys.js'
import {simControl} from '../control/control-client.js'
import {startTensorDockSim, type TensorDockSimHandle} from './server.js'

const TOKEN = 'td-capacity-token-2468'
const LOCATION = '3c9a1f52-7b64-4d0e-9a21-6f8e5d4c3b2a'
const RTX4090 = 'geforcertx4090-pcie-24gb'
const {publicKey} = generateSessionKeyPair('capacity-test')

let sim: TensorDockSimHandle
let adapter: TensorDockAdapter

beforeEach(async () => {
  const clock = new ManualClock(Date.parse('2026-11-22T23:00:00Z'))
  sim = await startTensorDockSim({clock, seed: 5, apiToken: TOKEN, churn: false})
  // One hostnode with four RTX 4090s, room for plenty of vCPUs, RAM and disk
  await simControl(sim.url, 'POST', '/_sim/offers', {
    data: {
      locations: [
        {
          id: LOCATION, city: 'Joplin', stateprovince: 'Missouri', country: 'United States', tier: 3,
          gpus: [{v0Name: RTX4090, max_count: 4, price_per_hr: 0.4, resources: {max_vcpus: 64, max_ram_gb: 256, max_storage_gb: 4000},
            network_features: {dedicated_ip_available: true, port_forwarding_available: true, network_storage_available: false}}],
        },
      ],
    },
  })
  adapter = new TensorDockAdapter({baseUrl: sim.url, apiToken: TOKEN, clock, sleep: async () => undefined, rateLimit: {perSecond: 1000, burst: 1000}})
})

afterEach(async () => {
  await sim.close()
})

async function api(method: string, path: string, body?: unknown): Promise<{status: number; json: any}> {
  const res = await fetch(`${sim.url}/api/v2${path}`, {
    method,
    headers: {Authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : {'Content-Type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return {status: res.status, json: await res.json()}
}

const create = (label: string, gpus = 1) =>
  adapter.createInstance({offerProviderId: `${LOCATION}:${RTX4090}:${gpus}`, label, sshPublicKeys: [publicKey], diskGb: 100})

async function listing(): Promise<{max_count: number; available: number; vcpus: number}> {
  const gpu = (await api('GET', '/locations')).json.data.locations[0].gpus[0]
  const node = (await api('GET', '/hostnodes')).json.data.hostnodes[0]
  return {max_count: gpu.max_count, available: node.available_resources.gpus[0].availableCount, vcpus: node.available_resources.vcpu_count}
}

describe('TensorDock hostnodes have finite GPUs', () => {
  it('gives 20 parallel creates on one listing exactly its four GPUs; the rest fail as stale inventory', async () => {
    // When twenty sessions race for the same listing
    const results = await Promise.allSettled(Array.from({length: 20}, (_, i) => create(`gpu-shopper:cap:s${i}`)))

    // Then four VMs exist, and every other create was told the listing is sold out
    const created = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r) => r.status === 'rejected')
    expect(created).toHaveLength(4)
    expect(refused).toHaveLength(16)
    for (const r of refused) expect(r.reason).toBeInstanceOf(StaleInventoryError)
    expect((await api('GET', '/instances')).json.data.instances).toHaveLength(4)

    // And the listing and its hostnode say nothing is left, as the real API does (HTTP 200, error body)
    expect(await listing()).toEqual({max_count: 0, available: 0, vcpus: 64 - 4 * 8})
    const raw = await api('POST', '/instances', {
      data: {type: 'virtualmachine', attributes: {
        name: 'one-more', type: 'virtualmachine', image: 'ubuntu2204', location_id: LOCATION, useDedicatedIp: true, ssh_key: publicKey,
        resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {[RTX4090]: {count: 1}}},
      }},
    })
    expect(raw).toEqual({status: 200, json: {status: 400, error: 'No available nodes found'}})
  })

  it('frees a deleted VM\'s GPUs for the next create, and never more than are left', async () => {
    // Given three of the four GPUs taken
    const first = await create('a', 2)
    await create('b', 1)
    expect((await listing()).max_count).toBe(1)

    // When two are asked for, then the two-GPU VM is deleted
    await expect(create('c', 2)).rejects.toBeInstanceOf(StaleInventoryError)
    await adapter.destroyInstance(first.providerInstanceId)

    // Then its GPUs are back on the listing and a new VM gets them
    expect(await listing()).toEqual({max_count: 3, available: 3, vcpus: 64 - 8})
    await create('d', 2)
    expect((await listing()).max_count).toBe(1)
    // A hostnode-based create counts against the same GPUs
    const node = (await api('GET', '/hostnodes')).json.data.hostnodes[0]
    const onNode = await api('POST', '/instances', {
      data: {type: 'virtualmachine', attributes: {
        name: 'on-node', type: 'virtualmachine', image: 'ubuntu2204', hostnode_id: node.id, useDedicatedIp: true, ssh_key: publicKey,
        resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {[RTX4090]: {count: 2}}},
      }},
    })
    expect(onNode).toEqual({status: 200, json: {error: 'Hostnode unavailable', status: 400}})
  })
})
