import {readFileSync} from 'node:fs'

import {describe, expect, it} from 'vitest'

import {domainNameOf, labelOfDomain, parseSliceVolumeName} from './domain-names.js'
import {parseDomainNameList, parseDomIfAddr, parseDomState, parsePoolInfo, parsePoolTargetPath, parseVolCapacity, parseVolList, parseVolPath, VirshOutputError} from './virsh-output.js'

// Real virsh 9.0 output under LC_ALL=C; fixtures/virsh-9.0/README.md says how each was made.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/virsh-9.0/${name}`, import.meta.url), 'utf8')

describe('parseVolList', () => {
  it('reads every volume of a real pool', () => {
    expect(parseVolList(fixture('vol-list.txt'))).toEqual([
      {name: 'base.qcow2', path: '/tmp/builder-test-QNzUqC/pool/base.qcow2'},
      {name: 'builder-test-dom2.qcow2', path: '/tmp/builder-test-QNzUqC/pool/builder-test-dom2.qcow2'},
      {name: 'builder-test-seed.iso', path: '/tmp/builder-test-QNzUqC/pool/builder-test-seed.iso'},
      {name: 'builder-test-y.qcow2', path: '/tmp/builder-test-QNzUqC/pool/builder-test-y.qcow2'},
    ])
  })

  it('reads an empty pool', () => {
    expect(parseVolList(fixture('vol-list-empty.txt'))).toEqual([])
  })

  it('finds the leftover disks of slices among a pool’s volumes', () => {
    // Given the real listing with two of its test volumes renamed as a slice's would be
    const domain = domainNameOf('gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f')
    const text = fixture('vol-list.txt').replaceAll('builder-test-dom2.qcow2', `${domain}.qcow2`).replaceAll('builder-test-seed.iso', `${domain}-seed.iso`)

    // When the volumes are mapped to slices
    const ours = parseVolList(text).flatMap((volume) => parseSliceVolumeName(volume.name) ?? [])

    // Then both are found, and the base image and the stranger are not
    expect(ours).toEqual([
      {label: 'gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f', domain, kind: 'overlay'},
      {label: 'gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f', domain, kind: 'seed'},
    ])
  })

  it('keeps a foreign volume name with spaces whole', () => {
    const text = ' Name            Path\n------------------------------\n my disk.qcow2   /pool/my disk.qcow2\n\n'
    expect(parseVolList(text)).toEqual([{name: 'my disk.qcow2', path: '/pool/my disk.qcow2'}])
  })

  it('refuses output without the table header', () => {
    expect(() => parseVolList('error: failed to get pool')).toThrow(VirshOutputError)
  })
})

describe('parseDomState', () => {
  it.each([
    ['domstate-running-booted.txt', {state: 'running', reason: 'booted'}],
    ['domstate-running-unpaused.txt', {state: 'running', reason: 'unpaused'}],
    ['domstate-paused-user.txt', {state: 'paused', reason: 'user'}],
    ['domstate-shut-off-unknown.txt', {state: 'shut-off', reason: 'unknown'}],
    ['domstate-shut-off-destroyed.txt', {state: 'shut-off', reason: 'destroyed'}],
    ['domstate-shut-off.txt', {state: 'shut-off', reason: null}],
  ])('reads the real %s', (name, expected) => {
    expect(parseDomState(fixture(name))).toEqual(expected)
  })

  it.each([
    ['crashed (panicked)\n\n', {state: 'crashed', reason: 'panicked'}],
    ['in shutdown (user)\n\n', {state: 'shutting-down', reason: 'user'}],
    ['idle\n\n', {state: 'blocked', reason: null}],
    ['pmsuspended (unknown)\n\n', {state: 'pmsuspended', reason: 'unknown'}],
    ['no state\n\n', {state: 'no-state', reason: null}],
    ['shut off (from snapshot)\n\n', {state: 'shut-off', reason: 'from snapshot'}],
  ])('reads %j', (text, expected) => {
    expect(parseDomState(text)).toEqual(expected)
  })

  it.each(['laufend\n', '', 'running (booted) extra\n', 'RUNNING\n'])('refuses %j', (text) => {
    expect(() => parseDomState(text)).toThrow(VirshOutputError)
  })
})

describe('parseDomIfAddr', () => {
  it('reads the address dnsmasq leased to a real guest', () => {
    expect(parseDomIfAddr(fixture('domifaddr-lease.txt'))).toEqual({interfaceName: 'vnet0', mac: '52:54:00:c6:6b:6e', ipv4: '10.253.77.49', prefix: 24})
  })

  it('skips the guest’s loopback and IPv6 when the agent answers', () => {
    // Given the agent's view: lo first, then the NIC with an IPv6 before its IPv4
    const text = [
      ' Name       MAC address          Protocol     Address',
      '-------------------------------------------------------------------------------',
      ' lo         00:00:00:00:00:00    ipv4         127.0.0.1/8',
      ' -          -                    ipv6         ::1/128',
      ' enp1s0     52:54:00:4c:ee:9c    ipv6         fe80::5054:ff:fe4c:ee9c/64',
      ' -          -                    ipv4         192.168.122.104/24',
      ' enp2s0     52:54:00:4c:ee:9d    ipv4         10.0.0.5/8',
      '',
    ].join('\n')
    expect(parseDomIfAddr(text)).toEqual({interfaceName: 'enp1s0', mac: '52:54:00:4c:ee:9c', ipv4: '192.168.122.104', prefix: 24})
  })

  it('is null while the guest has no address yet', () => {
    const header = fixture('domifaddr-lease.txt').split('\n').slice(0, 2).join('\n')
    expect(parseDomIfAddr(`${header}\n\n`)).toBeNull()
    expect(parseDomIfAddr(`${header}\n vnet0      52:54:00:c6:6b:6e    N/A          N/A\n\n`)).toBeNull()
  })

  it('reads an interface the agent reports without a MAC', () => {
    const header = fixture('domifaddr-lease.txt').split('\n').slice(0, 2).join('\n')
    expect(parseDomIfAddr(`${header}\n tun0                            ipv4         10.8.0.2/24\n`)).toEqual({interfaceName: 'tun0', mac: null, ipv4: '10.8.0.2', prefix: 24})
  })

  it.each([
    ['no header', 'vnet0 52:54:00:c6:6b:6e ipv4 10.0.0.1/24'],
    ['a bad address', ' Name       MAC address          Protocol     Address\n------\n vnet0      52:54:00:c6:6b:6e    ipv4         10.0.0.300/24\n'],
    ['no prefix', ' Name       MAC address          Protocol     Address\n------\n vnet0      52:54:00:c6:6b:6e    ipv4         10.0.0.3\n'],
    ['a continuation first', ' Name       MAC address          Protocol     Address\n------\n -          -                    ipv4         10.0.0.3/24\n'],
  ])('refuses %s', (_what, text) => {
    expect(() => parseDomIfAddr(text)).toThrow(VirshOutputError)
  })
})

describe('parseDomainNameList', () => {
  it('reads the real list, and the real empty one', () => {
    expect(parseDomainNameList(fixture('list-all-name.txt'))).toEqual(['builder-test-dom', 'builder-test-dom2'])
    expect(parseDomainNameList(fixture('list-all-name-empty.txt'))).toEqual([])
  })

  it('picks our domains out of a node’s list', () => {
    const names = parseDomainNameList('win11\ngpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f\ngpu-shopper_dep-99999999_sess-111111111111\n\n')
    expect(names.map(labelOfDomain)).toEqual([null, 'gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f', 'gpu-shopper:dep-99999999:sess-111111111111'])
  })
})

describe('pool info', () => {
  it('reads sizes in bytes from the real `pool-info --bytes`', () => {
    expect(parsePoolInfo(fixture('pool-info-bytes.txt'))).toEqual({
      name: 'gpu-shopper',
      uuid: '72ef7b96-75d4-4c8b-9ee2-4f58316ec4c0',
      state: 'running',
      persistent: true,
      autostart: true,
      capacityBytes: 270553174016,
      allocationBytes: 25783713792,
      availableBytes: 244769460224,
    })
  })

  it('refuses the rounded human sizes virsh prints without --bytes', () => {
    expect(() => parsePoolInfo(fixture('pool-info-human.txt'))).toThrow(/was --bytes given/)
  })

  it('has no sizes for an inactive pool', () => {
    const inactive = 'Name:           gpu-shopper\nUUID:           72ef7b96-75d4-4c8b-9ee2-4f58316ec4c0\nState:          inactive\nPersistent:     yes\nAutostart:      no\n\n'
    expect(parsePoolInfo(inactive)).toMatchObject({state: 'inactive', capacityBytes: null, availableBytes: null})
  })

  it('reads the target path from the real `pool-dumpxml`', () => {
    expect(parsePoolTargetPath(fixture('pool-dumpxml.txt'))).toBe('/var/lib/gpu-shopper/pool')
  })

  it('refuses a pool document without a target path', () => {
    expect(() => parsePoolTargetPath(`<pool type='rbd'><name>x</name><source/></pool>`)).toThrow(VirshOutputError)
  })

  it('reads the real `vol-path`', () => {
    expect(parseVolPath(fixture('vol-path.txt'))).toBe('/tmp/builder-test-QNzUqC/pool/builder-test-dom.qcow2')
  })
})

describe('parseVolCapacity', () => {
  it('reads the virtual size virsh 9.0 prints with --bytes', () => {
    // Real `virsh vol-info --pool gpu-shopper debian-12-base.qcow2 --bytes` output.
    const text = 'Name:           debian-12-base.qcow2\nType:           file\nCapacity:       994050048 bytes\nAllocation:     376729600 bytes\n\n'
    expect(parseVolCapacity(text)).toBe(994050048)
    expect(() => parseVolCapacity('Name: x\nCapacity: 1.5 GiB\n')).toThrow(/--bytes/)
  })
})
