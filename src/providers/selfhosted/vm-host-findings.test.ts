import {describe, expect, it} from 'vitest'

import type {LibvirtFacts} from './libvirt-facts.js'
import {checkVmHost} from './vm-host-findings.js'

const SETTINGS = {uri: 'qemu:///system', pool: 'gpu-shopper', network: 'default', baseImage: null, virtType: 'auto'} as const

const READY: LibvirtFacts = {
  cpus: 16,
  memTotalKiB: 64 * 1024 * 1024,
  tools: {virsh: true, qemuImg: true, genisoimage: true, base64: true},
  libvirt: {state: 'reachable', version: '9.0.0', hypervisor: 'QEMU 7.2.0', kvm: true},
  pool: {state: 'running', path: '/var/lib/gpu-shopper/pool', capacityBytes: 500e9, availableBytes: 400e9, volumes: ['debian-12.qcow2']},
  networkActive: true,
}

const codes = (facts: LibvirtFacts, settings: Parameters<typeof checkVmHost>[1] = SETTINGS) => checkVmHost(facts, settings, 'ops').map((f) => `${f.severity}:${f.code}`)

describe('checkVmHost', () => {
  it('finds nothing on a ready node', () => {
    expect(codes(READY)).toEqual([])
  })

  it('stops at libvirt when it is missing or refuses the user, saying how to fix it', () => {
    expect(codes({...READY, libvirt: {state: 'missing'}})).toEqual(['blocker:libvirt-missing'])
    const refused = checkVmHost({...READY, libvirt: {state: 'unreachable', error: 'Permission denied'}}, SETTINGS, 'ops')
    expect(refused.map((f) => f.code)).toEqual(['libvirt-unreachable'])
    expect(refused[0]!.fix).toContain('usermod -aG libvirt ops')
  })

  it('names each missing piece with its command', () => {
    const facts: LibvirtFacts = {...READY, tools: {...READY.tools, genisoimage: false}, pool: null, networkActive: false, libvirt: {...READY.libvirt, kvm: false} as LibvirtFacts['libvirt']}
    const findings = checkVmHost(facts, SETTINGS, 'ops')
    expect(findings.map((f) => `${f.severity}:${f.code}`)).toEqual(['blocker:tools-missing', 'blocker:pool-missing', 'blocker:network-inactive', 'warning:no-kvm'])
    expect(findings[1]!.fix).toContain('virsh -c qemu:///system pool-define-as gpu-shopper dir')
    expect(findings[2]!.fix).toContain('net-start default')
  })

  it('wants a base image, the configured one when one is set, and room in the pool', () => {
    expect(codes({...READY, pool: {...READY.pool!, volumes: []}})).toEqual(['blocker:no-base-image'])
    expect(codes(READY, {...SETTINGS, baseImage: 'ubuntu.qcow2'})).toEqual(['blocker:base-image-missing'])
    expect(codes({...READY, pool: {...READY.pool!, availableBytes: 2 * 1024 ** 3}})).toEqual(['warning:pool-nearly-full'])
    expect(codes({...READY, pool: {...READY.pool!, state: 'inactive'}})).toEqual(['blocker:pool-inactive'])
    expect(codes({...READY, networkActive: null})).toEqual(['blocker:network-missing'])
  })
})
