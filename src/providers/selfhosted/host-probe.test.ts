import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {parseHostProbe} from './host-probe.js'
import {ProbeOutputError} from './probe-output-error.js'

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'pci', name), 'utf8')

function errorOf(text: string): ProbeOutputError {
  try {
    parseHostProbe(text)
  } catch (err) {
    if (err instanceof ProbeOutputError) return err
    throw err
  }
  throw new Error('expected a ProbeOutputError')
}

/** The mixed host's output with one line replaced: each error test breaks one thing. */
function mixedWith(from: string, to: string): string {
  const text = fixture('probe-mixed.txt')
  if (!text.includes(from)) throw new Error(`fixture has no ${from}`)
  return text.replace(from, to)
}

describe('parseHostProbe', () => {
  it('reads every section of a complete probe output', () => {
    // Given the probe output of a dual-socket host with an A6000 in use
    // When it is read
    const probe = parseHostProbe(fixture('probe-mixed.txt'))

    // Then devices, host facts, device files and their users are all there
    expect(probe.devices).toHaveLength(14)
    expect(probe.devices.find((device) => device.address === '0000:ca:00.0')).toEqual({
      address: '0000:ca:00.0', vendorId: '10de', deviceId: '2230', classCode: '030000', driver: 'nvidia', iommuGroup: 8, numaNode: 1,
    })
    expect(probe.host).toEqual({
      iommuGroupCount: 9,
      kernelCommandLine:
        'BOOT_IMAGE=/vmlinuz-5.14.0-427.13.1.el9_4.x86_64 root=/dev/mapper/rhel-root ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M intel_iommu=on iommu=pt',
      cpuVendor: 'intel',
      virtualMachine: false,
      vfioPci: 'loaded',
      memAvailableKiB: 503316480,
      hugePages: {total: 64, free: 48, sizeKiB: 1048576},
    })
    expect(probe.deviceNodes).toEqual([
      {address: '0000:ca:00.0', node: '/dev/nvidia0'},
      {address: '0000:03:00.0', node: '/dev/dri/card0'},
      {address: '0000:ca:00.0', node: '/dev/dri/card1'},
      {address: '0000:ca:00.0', node: '/dev/dri/renderD128'},
    ])
    expect(probe.processScan).toBe('complete')
    expect(probe.openDeviceNodes).toEqual([
      {pid: 2231, node: '/dev/nvidia0', command: 'nvidia-persiste'},
      {pid: 48213, node: '/dev/nvidia0', command: 'python3'},
    ])
  })

  it('keeps a process name with spaces, and an empty one for a process that exited', () => {
    const probe = parseHostProbe(
      mixedWith('pid=48213 node=/dev/nvidia0 comm=python3', 'pid=48213 node=/dev/nvidia0 comm=Web Content\npid=48990 node=/dev/nvidia0 comm='),
    )
    expect(probe.openDeviceNodes.map((open) => open.command)).toEqual(['nvidia-persiste', 'Web Content', ''])
  })

  it('reads a kernel without huge pages and an unknown CPU vendor', () => {
    const text = mixedWith('hugepages_total=64\nhugepages_free=48\nhugepage_size_kb=1048576\n', '').replace('cpu_vendor=GenuineIntel', 'cpu_vendor=')
    const {host} = parseHostProbe(text)
    expect([host.cpuVendor, host.hugePages]).toEqual(['other', {total: 0, free: 0, sizeKiB: 0}])
  })

  it.each([
    ['another program\'s output', 'Linux vm 6.18.44\n', 'Linux vm 6.18.44', 'expected "gpu-shopper host probe 1": not this version\'s probe output'],
    ['a cut-off reply', fixture('probe-mixed.txt').split('[open-device-nodes]')[0] ?? '', '0000:ca:00.0 node=/dev/dri/renderD128', 'the output stops before [end]: the probe was cut off'],
    ['sections out of order', mixedWith('[device-nodes]\n', '[open-device-nodes]\n'), '[open-device-nodes]', 'expected [device-nodes] here (the probe prints its sections in order)'],
    ['text after [end]', `${fixture('probe-mixed.txt')}stray\n`, 'stray', 'nothing may follow [end]'],
    ['a bad device line', mixedWith('driver=snd_hda_intel', 'driver=snd hda'), '0000:ca:00.1 vendor=0x10de device=0x1aef class=0x040300 driver=snd hda iommu_group=8 numa=1', 'expected key=value, got "hda"'],
    ['a bad host value', mixedWith('hypervisor=no', 'hypervisor=maybe'), 'hypervisor=maybe', 'hypervisor: Invalid option: expected one of "yes"|"no"'],
    ['an unknown host key', mixedWith('vfio_pci=loaded', 'vfio_pci=loaded\nkvm=yes'), 'kvm=yes', 'unknown key kvm'],
    ['a missing host key', mixedWith('mem_available_kb=503316480\n', ''), '[host]', 'missing mem_available_kb='],
    ['a repeated host key', mixedWith('hypervisor=no', 'hypervisor=no\nhypervisor=yes'), 'hypervisor=yes', 'hypervisor appears twice'],
    ['a host line without =', mixedWith('hypervisor=no', 'hypervisor'), 'hypervisor', 'expected key=value'],
    ['a device node outside /dev', mixedWith('node=/dev/dri/card0', 'node=card0'), '0000:03:00.0 node=card0', 'expected <address> node=/dev/<name>'],
    ['no scan line', mixedWith('scan=complete\n', ''), 'pid=2231 node=/dev/nvidia0 comm=nvidia-persiste', 'expected scan=complete, scan=own-processes or scan=unavailable first'],
    ['a bad open node line', mixedWith('pid=48213', 'pid=x'), 'pid=x node=/dev/nvidia0 comm=python3', 'expected pid=<n> node=/dev/<name> comm=<name>'],
  ])('names the line of %s', (_what, text, line, problem) => {
    // Given an output broken in one place
    // When it is read
    const err = errorOf(text)

    // Then the error quotes the broken line and gives its number
    expect([err.line, err.problem]).toEqual([line, problem])
    expect(text.split('\n')[err.lineNumber - 1]).toBe(line)
  })
})
