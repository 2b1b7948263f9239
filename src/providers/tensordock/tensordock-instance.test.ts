import {describe, expect, it} from 'vitest'

import {toMicroUsd} from '../../core/money.js'

import {instanceFromTensorDock, instanceState, isGoneStatus, parseTensorDockInstance} from './tensordock-instance.js'

const ID = '468b716a-6747-4cbe-9f13-afc153a21c14'

/** The unwrapped `GET /instances/{id}` reply seen live (providers.md §2.7). */
const LIVE = {
  type: 'virtualmachine', id: ID, name: 'gpu-shopper:dep1:sess1', status: 'running', ipAddress: '174.94.145.71',
  portForwards: [{internal_port: 22, external_port: 20456}], rateHourly: 0.272999,
  resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 1, v0Name: 'geforcertx4090-pcie-24gb'}}},
}

function read(body: unknown) {
  const raw = parseTensorDockInstance(body)
  if (!raw) throw new Error('unparseable')
  return instanceFromTensorDock(raw)
}

describe('instanceFromTensorDock', () => {
  it('reads the live shape: SSH as user on the forwarded port, rateHourly as the price', () => {
    expect(read(LIVE)).toEqual({
      providerInstanceId: ID,
      label: 'gpu-shopper:dep1:sess1',
      state: 'running',
      statusMessage: 'running',
      ssh: {host: '174.94.145.71', port: 20456, user: 'user'},
      ports: new Map(),
      pricePerHour: toMicroUsd('0.272999'),
      gpuType: 'RTX 4090',
      gpuCount: 1,
      // rateHourly from the create on; TensorDock dates nothing, so the caller dates the create.
      billing: {createdAt: null, runningSince: null, computeFromCreate: true, computePerHour: 272_999, storagePerHour: 0},
    })
  })

  it('uses port 22 on a dedicated IP when nothing forwards 22 (port forwards were ignored live)', () => {
    expect(read({...LIVE, portForwards: []}).ssh).toEqual({host: '174.94.145.71', port: 22, user: 'user'})
    expect(read({...LIVE, portForwards: null}).ssh?.port).toBe(22)
    expect(read({...LIVE, portForwards: [{internal_port: 8888, external_port: 20001}]}).ssh?.port).toBe(22)
    // A map form (third-party spec) with string numbers
    expect(read({...LIVE, portForwards: {'22': '20999'}}).ssh?.port).toBe(20999)
  })

  it('reads every forward but SSH as a published port, on the external port it got', () => {
    const forwards = [{internal_port: 22, external_port: 20456}, {internal_port: 8000, external_port: 20457}]
    expect(read({...LIVE, portForwards: forwards}).ports).toEqual(new Map([[8000, {host: '174.94.145.71', port: 20457}]]))
    expect(read({...LIVE, portForwards: {'22': '20999', '8080': '21000'}}).ports).toEqual(new Map([[8080, {host: '174.94.145.71', port: 21000}]]))
    expect(read({...LIVE, ipAddress: '', portForwards: forwards}).ports).toEqual(new Map())
  })

  it('is provisioning, without SSH, while running has no IP yet', () => {
    const early = read({...LIVE, ipAddress: ''})
    expect(early).toMatchObject({state: 'provisioning', ssh: null, statusMessage: 'running'})
    expect(read({...LIVE, ipAddress: null}).state).toBe('provisioning')
  })

  it('lifts JSON:API attributes and tolerates nulls and odd values', () => {
    const listed = read({type: 'VM', id: ID, attributes: {name: 'x', status: 'Running', ipAddress: '10.0.0.1', rateHourly: '0.5', resources: {gpus: [{gpuV0Name: 'h100-sxm5-80gb', count: 2}]}}})
    expect(listed).toMatchObject({label: 'x', state: 'running', pricePerHour: toMicroUsd('0.5'), gpuType: 'H100 80GB SXM', gpuCount: 2})
    const sparse = read({id: ID, name: null, status: null, rateHourly: 'n/a', resources: null})
    expect(sparse).toMatchObject({label: null, state: 'provisioning', statusMessage: null, pricePerHour: null, gpuType: null, gpuCount: null, ssh: null})
    expect(parseTensorDockInstance({name: 'no id'})).toBeNull()
    expect(parseTensorDockInstance([LIVE])).toBeNull()
  })
})

describe('instanceState', () => {
  it.each([
    ['running', 'provisioning'],
    ['creating', 'provisioning'],
    ['starting', 'provisioning'],
    ['queued', 'provisioning'],
    ['Something New', 'provisioning'],
    ['stopping', 'stopped'],
    ['stopped', 'stopped'],
    ['StoppedDisassociated', 'stopped'],
    ['stopped_disassociated', 'stopped'],
    ['stopped-disassociated', 'stopped'],
    ['ERROR', 'failed'],
  ] as const)('%s without an IP is %s', (status, state) => {
    expect(instanceState({status, ipAddress: ''})).toBe(state)
  })

  it('treats terminated, deleting and deleted as gone', () => {
    for (const status of ['terminated', 'Deleting', 'DELETED']) expect(isGoneStatus(status)).toBe(true)
    for (const status of ['running', 'stopped', null]) expect(isGoneStatus(status)).toBe(false)
  })
})
