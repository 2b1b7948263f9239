import {execFileSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {LIBVIRT_FACTS_SCRIPT} from './libvirt-facts-script.js'
import {parseLibvirtFacts} from './libvirt-facts.js'
import {ProbeOutputError} from './probe-output-error.js'

const READY = `gpu-shopper libvirt facts 1
cpus=2
mem_total_kb=24683584
tool_virsh=yes
tool_qemu_img=yes
tool_genisoimage=yes
tool_base64=yes
libvirt=reachable
hypervisor=QEMU 7.2.22
libvirt_version=9.0.0
kvm=no
pool_state=running
pool_capacity_bytes=270465425408
pool_available_bytes=83751309312
pool_path=/var/lib/gpu-shopper/pool
volume=debian-12-base.initrd
volume=debian-12-base.qcow2
volume=debian-12-base.vmlinuz
network_active=yes
[end]
`

describe('parseLibvirtFacts', () => {
  it('reads a ready node', () => {
    const facts = parseLibvirtFacts(READY)
    expect(facts.libvirt).toEqual({state: 'reachable', version: '9.0.0', hypervisor: 'QEMU 7.2.22', kvm: false})
    expect(facts.pool).toEqual({
      state: 'running',
      path: '/var/lib/gpu-shopper/pool',
      capacityBytes: 270465425408,
      availableBytes: 83751309312,
      volumes: ['debian-12-base.initrd', 'debian-12-base.qcow2', 'debian-12-base.vmlinuz'],
    })
    expect(facts.networkActive).toBe(true)
    expect(facts.tools).toEqual({virsh: true, qemuImg: true, genisoimage: true, base64: true})
  })

  it('reads a node without libvirt, or one libvirt refuses', () => {
    const missing = parseLibvirtFacts('gpu-shopper libvirt facts 1\ncpus=4\nmem_total_kb=1\ntool_virsh=no\ntool_qemu_img=no\ntool_genisoimage=no\ntool_base64=yes\nlibvirt=missing\n[end]\n')
    expect(missing.libvirt).toEqual({state: 'missing'})
    expect(missing.pool).toBeNull()
    expect(missing.networkActive).toBeNull()
    const refused = parseLibvirtFacts(
      'gpu-shopper libvirt facts 1\ncpus=4\nmem_total_kb=1\ntool_virsh=yes\ntool_qemu_img=yes\ntool_genisoimage=yes\ntool_base64=yes\nlibvirt=unreachable\nlibvirt_error=error: Failed to connect socket: Permission denied\n[end]\n',
    )
    expect(refused.libvirt).toEqual({state: 'unreachable', error: 'error: Failed to connect socket: Permission denied'})
  })

  it('names the line it cannot read, and a cut-off reply', () => {
    expect(() => parseLibvirtFacts(READY.replace('cpus=2', 'cpus=two'))).toThrow(/line 2: cpus: expected a whole number/)
    expect(() => parseLibvirtFacts(READY.replace('[end]\n', ''))).toThrow(ProbeOutputError)
    expect(() => parseLibvirtFacts(READY.replace('kvm=no', 'kvm=no\nkvm=yes'))).toThrow(/kvm appears twice/)
    expect(() => parseLibvirtFacts('something else\n[end]')).toThrow(/not this version/)
  })

  it('reads what the real script prints on this machine, whatever libvirt it has', () => {
    const out = execFileSync('sh', ['-s', '--', 'qemu:///system', 'no-such-pool-here', 'no-such-net-here'], {input: LIBVIRT_FACTS_SCRIPT, encoding: 'utf8'})
    const facts = parseLibvirtFacts(out)
    expect(facts.cpus).toBeGreaterThan(0)
    expect(facts.pool).toBeNull()
    if (facts.libvirt.state === 'reachable') expect(facts.networkActive).toBeNull()
  })

  it('passes its arguments as data: a name with shell syntax is only ever a name', () => {
    const out = execFileSync('sh', ['-s', '--', 'qemu:///system', '$(touch /tmp/gs-pwned)', '; touch /tmp/gs-pwned'], {input: LIBVIRT_FACTS_SCRIPT, encoding: 'utf8'})
    expect(parseLibvirtFacts(out).pool).toBeNull()
    expect(() => execFileSync('test', ['-e', '/tmp/gs-pwned'])).toThrow()
  })
})
