import {describe, expect, it} from 'vitest'

import {instanceFromVast, instanceState, parseVastInstance, sshEndpoint} from './vastai-instance.js'

/** The documented single-instance reply body (providers.md §1.7). */
function recordedInstance(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 9000001, machine_id: 42, actual_status: 'running', intended_status: 'running', cur_state: 'running',
    next_state: 'running', label: 'gpu-shopper:dep1:sess1', image_uuid: 'nvidia/cuda:12.6.3-runtime-ubuntu22.04',
    image_runtype: 'ssh_direc ssh_proxy', ssh_host: 'ssh4.vast.ai', ssh_port: 30522, public_ipaddr: '1.2.3.4',
    ports: {'22/tcp': [{HostIp: '0.0.0.0', HostPort: '41022'}]}, gpu_name: 'RTX 4090', num_gpus: 1,
    gpu_ram: 24564, dph_total: 0.3412, start_date: 1761008618.2, extra_env: [['FOO', 'bar']],
    status_msg: 'success, running nvidia/cuda_12.6.3-runtime-ubuntu22.04/ssh',
    ...overrides,
  }
}

function parse(overrides: Record<string, unknown> = {}) {
  const raw = parseVastInstance(recordedInstance(overrides))
  if (!raw) throw new Error('unparseable')
  return raw
}

describe('instanceFromVast', () => {
  it('normalises a recorded running instance', () => {
    expect(instanceFromVast(parse())).toEqual({
      providerInstanceId: '9000001',
      label: 'gpu-shopper:dep1:sess1',
      state: 'running',
      statusMessage: 'success, running nvidia/cuda_12.6.3-runtime-ubuntu22.04/ssh',
      ssh: {host: '1.2.3.4', port: 41022, user: 'root'},
      // SSH's own mapping is not a published port.
      ports: new Map(),
      pricePerHour: 341_200,
      gpuType: 'RTX 4090',
      gpuCount: 1,
      // No dph_base in the documented example: not enough to know how it bills.
      billing: null,
    })
  })

  it('reads each published port (an env -p key at create) at the public IP on the host port Docker mapped', () => {
    const raw = parse({
      public_ipaddr: ' 1.2.3.4 ',
      ports: {'22/tcp': [{HostIp: '0.0.0.0', HostPort: '41022'}], '8000/tcp': [{HostIp: '0.0.0.0', HostPort: '41023'}], '6006/udp': [{HostIp: '0.0.0.0', HostPort: '41024'}], '9000/tcp': null},
    })
    expect(instanceFromVast(raw).ports).toEqual(new Map([[8000, {host: '1.2.3.4', port: 41023}]]))
    // Not running yet: no ports map at all.
    expect(instanceFromVast(parse({ports: null})).ports).toEqual(new Map())
  })

  it('reads the billing terms on Vast\'s clock: storage from start_date, compute from when it began running', () => {
    // Created at start_date; the reply was made client_run_time seconds later, after 2.5 min of running.
    const raw = parse({start_date: 1761008618.2, client_run_time: 300.25, uptime_mins: 2.5, dph_base: 0.3, storage_cost: 0.15, disk_space: 50})
    expect(instanceFromVast(raw).billing).toEqual({
      createdAt: 1761008618200,
      runningSince: 1761008618200 + 300_250 - 150_000,
      computeFromCreate: false,
      computePerHour: 300_000,
      // 50 GB × $0.15/GB/month ÷ 720 h = $0.0104166…/h, rounded up.
      storagePerHour: 10_417,
    })
    // Not running yet: storage bills, compute does not.
    expect(instanceFromVast(parse({start_date: 1761008618.2, client_run_time: 12, uptime_mins: null, actual_status: 'loading', dph_base: 0.3, storage_cost: 0.15, disk_space: 50})).billing).toMatchObject({
      runningSince: null,
      storagePerHour: 10_417,
    })
    // Without client_run_time the provider's "now" is the moment our request went out: never later than Vast's.
    expect(instanceFromVast(parse({start_date: 1761008618.2, client_run_time: null, uptime_mins: 1, dph_base: 0.3}), 1761008700000).billing).toMatchObject({
      runningSince: 1761008700000 - 60_000,
      storagePerHour: 0,
    })
  })

  it('copes with a freshly created row: nulls everywhere', () => {
    const instance = instanceFromVast(
      parse({actual_status: null, status_msg: null, ports: null, public_ipaddr: null, ssh_host: null, ssh_port: null, label: null, dph_total: null}),
    )
    expect(instance).toMatchObject({state: 'provisioning', ssh: null, label: null, pricePerHour: null, statusMessage: null})
  })

  it('refuses a row without an id', () => {
    expect(parseVastInstance(recordedInstance({id: null}))).toBeNull()
  })

  it('reads an A100 with its VRAM', () => {
    expect(instanceFromVast(parse({gpu_name: 'A100 SXM4', gpu_ram: 81920, num_gpus: '8'}))).toMatchObject({gpuType: 'A100 80GB SXM', gpuCount: 8})
  })
})

describe('instanceState', () => {
  const running = {cur_state: 'running', intended_status: 'running', next_state: 'running'}
  it.each([
    [{actual_status: null}, 'provisioning'],
    [{actual_status: 'created'}, 'provisioning'],
    [{actual_status: 'loading'}, 'provisioning'],
    [{actual_status: 'rebooting'}, 'provisioning'],
    [{actual_status: 'unknown'}, 'provisioning'],
    [{actual_status: 'something-new'}, 'provisioning'],
    [{actual_status: 'running'}, 'running'],
    [{actual_status: ' Running '}, 'running'],
    [{actual_status: 'exited'}, 'failed'],
    [{actual_status: 'offline'}, 'failed'],
    [{actual_status: 'stopped'}, 'stopped'],
    [{actual_status: 'frozen'}, 'stopped'],
    [
      {actual_status: 'created', status_msg: 'Error response from daemon: failed to create task: OCI runtime create failed: runc create failed'},
      'failed',
    ],
    [{actual_status: 'loading', status_msg: 'pulling: OCI runtime create failed retry'}, 'provisioning'],
    [{actual_status: 'running', cur_state: 'stopped', intended_status: 'stopped', next_state: 'stopped'}, 'stopped'],
    [{actual_status: 'loading', cur_state: 'stopped', intended_status: 'running', next_state: 'stopped'}, 'provisioning'],
  ])('%j → %s', (fields, expected) => {
    expect(instanceState({...running, status_msg: null, ...fields})).toBe(expected)
  })
})

describe('sshEndpoint', () => {
  const base = {image_runtype: 'ssh_direc ssh_proxy', ssh_host: 'ssh4.vast.ai', ssh_port: 30522, public_ipaddr: '1.2.3.4', ports: {'22/tcp': [{HostIp: '0.0.0.0', HostPort: 41022}]}}
  it.each([
    ['direct: public IP and the host port of 22/tcp', {}, {host: '1.2.3.4', port: 41022, user: 'root'}],
    ['public_ipaddr with whitespace is trimmed', {public_ipaddr: ' 1.2.3.4\n'}, {host: '1.2.3.4', port: 41022, user: 'root'}],
    ['ports absent: the proxy', {ports: undefined}, {host: 'ssh4.vast.ai', port: 30522, user: 'root'}],
    ['ports null: the proxy', {ports: null}, {host: 'ssh4.vast.ai', port: 30522, user: 'root'}],
    ['no 22/tcp mapping: the proxy', {ports: {'8080/tcp': [{HostIp: '0.0.0.0', HostPort: 40080}]}}, {host: 'ssh4.vast.ai', port: 30522, user: 'root'}],
    ['empty public IP: the proxy', {public_ipaddr: '  '}, {host: 'ssh4.vast.ai', port: 30522, user: 'root'}],
    ['jupyter proxy is one port up', {ports: null, image_runtype: 'jupyter_direc ssh_direc ssh_proxy'}, {host: 'ssh4.vast.ai', port: 30523, user: 'root'}],
    ['nothing yet', {ports: null, ssh_host: null, ssh_port: null}, null],
  ])('%s', (_name, overrides, expected) => {
    expect(sshEndpoint({...base, ...overrides})).toEqual(expected)
  })

  it('reads HostPort sent as a string, as Vast does', () => {
    expect(instanceFromVast(parse({ports: {'22/tcp': [{HostIp: '0.0.0.0', HostPort: '41022'}]}})).ssh?.port).toBe(41022)
  })

  it('survives a ports field of an unexpected shape by falling back to the proxy', () => {
    expect(instanceFromVast(parse({ports: [22, 8080]})).ssh).toEqual({host: 'ssh4.vast.ai', port: 30522, user: 'root'})
  })
})
