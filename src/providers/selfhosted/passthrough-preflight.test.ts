import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {parseHostProbe, type HostFacts, type HostProbe} from './host-probe.js'
import {checkPassthrough, type GpuPreflight} from './passthrough-preflight.js'
import {parsePciDeviceList} from './pci-device.js'

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'pci', name), 'utf8')

/** A written probe output with some lines changed: each test states the one thing its host does differently. */
function probeOf(name: string, ...edits: Array<[from: string, to: string]>): HostProbe {
  let text = fixture(name)
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`${name} has no ${JSON.stringify(from)}`)
    text = text.replaceAll(from, to)
  }
  return parseHostProbe(text)
}

/**
 * The real H100 capture holds device lines only. The host facts around them are not in it:
 * these are the ones that add no finding of their own (the README of the capture says the
 * host is a VM), so every finding below comes from the captured lines.
 */
function realH100Probe(host: Partial<HostFacts> = {}, drop?: string): HostProbe {
  const lines = fixture('sysfs-h100-no-iommu.txt')
    .split('\n')
    .filter((line) => drop === undefined || !line.startsWith(drop))
  return {
    devices: parsePciDeviceList(lines.join('\n')),
    host: {
      iommuGroupCount: 0,
      kernelCommandLine: '',
      cpuVendor: 'other',
      virtualMachine: true,
      vfioPci: 'loaded',
      memAvailableKiB: 200 * 1024 * 1024,
      hugePages: {total: 0, free: 0, sizeKiB: 2048},
      ...host,
    },
    deviceNodes: [],
    openDeviceNodes: [],
    processScan: 'complete',
  }
}

const codes = (gpu: GpuPreflight | undefined) => gpu?.findings.map((finding) => `${finding.severity} ${finding.code}`)

describe('checkPassthrough', () => {
  it('says passthrough is impossible on the real H100 host, why, and what to do', () => {
    // Given the real H100 VM: no IOMMU group anywhere, the GPU bound to nvidia
    // When it is checked
    const report = checkPassthrough(realH100Probe())

    // Then nothing can be passed through
    expect(report.passthroughPossible).toBe(false)
    const iommuFix =
      'This host is itself a virtual machine: its hypervisor must give it a virtual IOMMU (QEMU: `-device intel-iommu,caching-mode=on`) as well as the GPU; ' +
      'then add `intel_iommu=on iommu=pt` (or `amd_iommu=on iommu=pt` on AMD) to the kernel command line (GRUB_CMDLINE_LINUX in /etc/default/grub, ' +
      'then `update-grub` or `grub2-mkconfig -o /boot/grub2/grub.cfg`) and reboot. A bare-metal host is the usual place for GPU passthrough.'
    // And the host is told the IOMMU is off
    expect(report.host).toEqual([
      {
        code: 'iommu-off',
        severity: 'blocker',
        message:
          'The IOMMU is off: /sys/kernel/iommu_groups is empty and no PCI device has an IOMMU group, so VFIO can isolate nothing (this host is itself a virtual machine).',
        fix: iommuFix,
      },
    ])
    // And the H100 is not ready: the IOMMU is off, and it is bound to nvidia rather than vfio-pci
    expect(report.gpus).toHaveLength(1)
    const [h100] = report.gpus
    expect(h100?.ready).toBe(false)
    expect(h100?.passTogether).toEqual(['0000:00:06.0'])
    expect(h100?.findings).toEqual([
      {
        code: 'iommu-off',
        severity: 'blocker',
        message: 'H100 80GB SXM at 0000:00:06.0 has no IOMMU group because the IOMMU is off on this host.',
        fix: iommuFix,
      },
      {
        code: 'host-driver',
        severity: 'warning',
        message:
          "0000:00:06.0 is bound to nvidia, not vfio-pci. With `<hostdev managed='yes'>` libvirt detaches it when the VM starts and gives it back when it stops, " +
          'which works only while no host process has it open.',
        fix:
          'To bind it to vfio-pci for good: `driverctl set-override 0000:00:06.0 vfio-pci` (kept across reboots); or, for every H100 80GB SXM on this host: ' +
          'put `options vfio-pci ids=10de:2330`, `softdep nvidia pre: vfio-pci` in /etc/modprobe.d/vfio.conf, rebuild the initramfs (`update-initramfs -u` or `dracut -f`) and reboot.',
      },
    ])
  })

  it.each<[string, Partial<HostFacts>, string]>([
    ['an Intel host that never asked for it', {virtualMachine: false, cpuVendor: 'intel'}, 'Enable VT-d in the firmware setup if it is off, add `intel_iommu=on iommu=pt` to the kernel command line'],
    ['an AMD host that never asked for it', {virtualMachine: false, cpuVendor: 'amd'}, 'Enable the IOMMU (AMD-Vi) in the firmware setup if it is off, add `amd_iommu=on iommu=pt`'],
    ['a host that switched it off', {virtualMachine: false, cpuVendor: 'intel', kernelCommandLine: 'ro quiet intel_iommu=off'}, 'Remove `intel_iommu=off` from the kernel command line, add `intel_iommu=on iommu=pt`'],
    ['a host whose firmware has none', {virtualMachine: false, cpuVendor: 'intel', kernelCommandLine: 'ro intel_iommu=on iommu=pt'}, 'The kernel was asked for the IOMMU (`intel_iommu=on`) but found none: enable VT-d in the firmware (BIOS/UEFI) setup and reboot.'],
  ])('fits the IOMMU fix to %s', (_what, host, fix) => {
    const report = checkPassthrough(realH100Probe(host))
    expect(report.host[0]?.fix).toContain(fix)
    expect(report.gpus[0]?.findings[0]?.fix).toContain(fix)
  })

  it('reports a host without GPUs truthfully', () => {
    // Given the H100 host without its H100: what this machine looks like
    const report = checkPassthrough(realH100Probe({vfioPci: 'unknown'}, '0000:00:06.0'))

    // Then there is no GPU to check, and the host says so along with its own state
    expect(report.gpus).toEqual([])
    expect(report.passthroughPossible).toBe(false)
    expect(report.host.map((finding) => `${finding.severity} ${finding.code}`)).toEqual(['blocker no-gpus', 'blocker iommu-off', 'warning vfio-pci-unknown'])
    expect(report.host[0]?.message).toBe('No GPU among the host\'s 6 PCI devices: no display controller of NVIDIA, AMD or Intel (integrated graphics aside).')
  })

  it('finds a correctly set-up host ready for both its GPUs', () => {
    // Given two RTX 4090s, each with its audio function alone in its IOMMU group, on vfio-pci
    const report = checkPassthrough(probeOf('probe-2x4090-ready.txt'))

    // Then both are ready, with nothing to fix, each passed with its audio function
    expect(report.passthroughPossible).toBe(true)
    expect(report.host).toEqual([])
    expect(report.gpus.map((gpu) => [gpu.gpu.device.address, gpu.ready, gpu.passTogether, gpu.findings])).toEqual([
      ['0000:01:00.0', true, ['0000:01:00.0', '0000:01:00.1'], []],
      ['0000:41:00.0', true, ['0000:41:00.0', '0000:41:00.1'], []],
    ])
  })

  it('refuses a GPU whose IOMMU group holds a NIC', () => {
    // Given a desktop whose chipset slot shares IOMMU group 5 with the onboard NIC (and root ports)
    const report = checkPassthrough(probeOf('probe-shared-group.txt'))

    // Then the card in the CPU's slot is ready and the other is not, because of the NIC alone
    expect(report.gpus.map((gpu) => [gpu.gpu.device.address, gpu.ready])).toEqual([
      ['0000:01:00.0', true],
      ['0000:03:00.0', false],
    ])
    expect(report.gpus[1]?.findings).toEqual([
      {
        code: 'iommu-group-shared',
        severity: 'blocker',
        message:
          'IOMMU group 5 of RTX 3090 at 0000:03:00.0 also holds 0000:04:00.0 (8086:15f3 network controller, driver igc), not part of the card: VFIO can only assign a whole group.',
        fix:
          'Move the card to a slot whose IOMMU group holds only the card (`ls /sys/kernel/iommu_groups/*/devices` shows the groups), or pass the whole group, ' +
          '0000:04:00.0 included, to the same VM, which takes it away from the host.',
      },
    ])
    // And the Xorg holding the integrated graphics concerns neither GPU
    expect(report.host).toEqual([])
  })

  it('refuses a GPU the host is using and says what to stop', () => {
    // Given two A6000s: one on vfio-pci, one on nvidia held open by nvidia-persistenced and a python3 job
    const report = checkPassthrough(probeOf('probe-mixed.txt'))

    // Then the first is ready; the second is in use twice over, and bound to host drivers
    expect(report.passthroughPossible).toBe(true)
    const [free, busy] = report.gpus
    expect([free?.ready, free?.findings]).toEqual([true, []])
    expect(busy?.ready).toBe(false)
    expect(codes(busy)).toEqual(['warning host-driver', 'blocker in-use', 'blocker in-use'])
    expect(busy?.findings[0]?.message).toContain('0000:ca:00.0 is bound to nvidia, 0000:ca:00.1 to snd_hda_intel, not vfio-pci.')
    expect(busy?.findings[0]?.fix).toContain('`driverctl set-override 0000:ca:00.0 vfio-pci && driverctl set-override 0000:ca:00.1 vfio-pci`')
    expect(busy?.findings[0]?.fix).toContain('`options vfio-pci ids=10de:2230,10de:1aef`, `softdep nvidia pre: vfio-pci`, `softdep snd_hda_intel pre: vfio-pci`')
    expect(busy?.findings[1]).toMatchObject({
      message: 'nvidia-persiste (pid 2231) has /dev/nvidia0 of RTX A6000 at 0000:ca:00.0 open: while it does, the host driver cannot let go of the GPU.',
      fix: '`systemctl disable --now nvidia-persistenced`: it keeps NVIDIA GPUs open for CUDA work on the host itself, which a passthrough host does not do.',
    })
    expect(busy?.findings[2]).toMatchObject({
      message: 'python3 (pid 48213) has /dev/nvidia0 of RTX A6000 at 0000:ca:00.0 open: while it does, the host driver cannot let go of the GPU.',
      fix: 'Stop it (`kill 48213`, or stop the service that runs it), then run the check again.',
    })
  })

  it('lets a GPU on a host driver pass when nothing holds it: managed=yes takes it over', () => {
    const report = checkPassthrough(probeOf('probe-mixed.txt', ['pid=2231 node=/dev/nvidia0 comm=nvidia-persiste\npid=48213 node=/dev/nvidia0 comm=python3\n', '']))
    expect([report.gpus[1]?.ready, codes(report.gpus[1])]).toEqual([true, ['warning host-driver']])
  })

  it('refuses a GPU whose group a running VM holds', () => {
    const report = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['scan=complete\n', 'scan=complete\npid=9120 node=/dev/vfio/8 comm=qemu-system-x86\n']))
    expect(codes(report.gpus[0])).toEqual([])
    expect(report.gpus[1]?.findings).toEqual([
      {
        code: 'in-use',
        severity: 'blocker',
        message: 'qemu-system-x86 (pid 9120) holds /dev/vfio/8: RTX 4090 at 0000:41:00.0 is already assigned to a running VM.',
        fix: 'Shut that VM down (`virsh list` shows the running domains) or choose another GPU.',
      },
    ])
  })

  it('passes GPUs that share a group together, as one unit', () => {
    // Given both 4090s and their audio functions in IOMMU group 4
    const report = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['iommu_group=8', 'iommu_group=4']))

    // Then each is ready only together with the other: one VM gets all four functions
    for (const gpu of report.gpus) {
      expect(gpu.ready).toBe(true)
      expect(gpu.passTogether).toEqual(['0000:01:00.0', '0000:01:00.1', '0000:41:00.0', '0000:41:00.1'])
      expect(codes(gpu)).toEqual(['warning iommu-group-with-gpus'])
    }
    expect(report.gpus[0]?.findings[0]?.message).toBe(
      'RTX 4090 at 0000:01:00.0 shares an IOMMU group with RTX 4090 at 0000:41:00.0: they can only be passed through together, to one VM.',
    )
  })

  it('counts a companion function in its own group with whatever that group holds', () => {
    // Given the first 4090's audio function split off into the NIC's group
    const report = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['0x22ba class=0x040300 driver=vfio-pci iommu_group=4', '0x22ba class=0x040300 driver=vfio-pci iommu_group=11']))
    expect(codes(report.gpus[0])).toEqual(['blocker iommu-group-shared'])
    expect(report.gpus[0]?.findings[0]?.message).toContain('IOMMU group 11 of RTX 4090 at 0000:01:00.0 also holds 0000:81:00.0 (8086:1572 network controller, driver i40e)')
  })

  it('needs memory for a guest as large as the VRAM, and says when the GPUs do not all fit', () => {
    // Given 30 GiB available: one 24 GB card's guest fits, two do not
    const tight = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['mem_available_kb=389123456', `mem_available_kb=${30 * 1024 * 1024}`]))
    expect(tight.gpus.map((gpu) => gpu.ready)).toEqual([true, true])
    expect(tight.host).toEqual([
      {
        code: 'not-enough-memory-for-all',
        severity: 'warning',
        message: 'The 2 ready GPUs need 48 GiB of RAM for their VMs together; the host has 30 GiB available: enough for 1 at a time.',
        fix: 'Add RAM or free memory on the host to run them all at once; until then at most 1 can be leased together.',
      },
    ])

    // Given 20 GiB: not even one
    const short = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['mem_available_kb=389123456', `mem_available_kb=${20 * 1024 * 1024}`]))
    expect(short.passthroughPossible).toBe(false)
    expect(short.gpus[0]?.findings).toEqual([
      {
        code: 'not-enough-memory',
        severity: 'blocker',
        message:
          'A VM with RTX 4090 at 0000:01:00.0 needs at least 24 GiB of RAM (as much as its GPUs\' VRAM, all pinned by VFIO when the VM starts); the host has 20 GiB available.',
        fix: 'Free memory on the host (stop other VMs or services), add RAM, or reserve huge pages for the guests (`vm.nr_hugepages`).',
      },
    ])

    // Given 20 GiB plus 32 free 1 GiB huge pages: each guest fits in the huge pages, and both fit in all of it
    const huge = checkPassthrough(
      probeOf(
        'probe-2x4090-ready.txt',
        ['mem_available_kb=389123456', `mem_available_kb=${20 * 1024 * 1024}`],
        ['hugepages_total=0\nhugepages_free=0\nhugepage_size_kb=2048', 'hugepages_total=32\nhugepages_free=32\nhugepage_size_kb=1048576'],
      ),
    )
    expect([huge.gpus.map((gpu) => gpu.ready), huge.host]).toEqual([[true, true], []])
  })

  it('warns that a probe not run as root may miss a process using a GPU', () => {
    const report = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['scan=complete', 'scan=own-processes']))
    expect(report.gpus.map((gpu) => [gpu.ready, codes(gpu)])).toEqual([
      [true, ['warning usage-unknown']],
      [true, ['warning usage-unknown']],
    ])
    expect(report.host).toEqual([
      {
        code: 'process-scan-incomplete',
        severity: 'warning',
        message: "The probe could not see other users' processes (the probe did not run as root): a GPU in use by a host process may be reported as free.",
        fix: 'Run the check as root on the node, then again.',
      },
    ])
  })

  it('blocks every GPU on a kernel without vfio-pci, and only warns when it is merely not loaded', () => {
    const missing = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['vfio_pci=loaded', 'vfio_pci=missing']))
    expect(missing.host.map((finding) => `${finding.severity} ${finding.code}`)).toEqual(['blocker vfio-pci-missing'])
    expect(missing.gpus.map(codes)).toEqual([['blocker vfio-pci-missing'], ['blocker vfio-pci-missing']])

    const available = checkPassthrough(probeOf('probe-2x4090-ready.txt', ['vfio_pci=loaded', 'vfio_pci=available']))
    expect(available.host.map((finding) => `${finding.severity} ${finding.code}`)).toEqual(['warning vfio-pci-not-loaded'])
    expect(available.gpus.map((gpu) => gpu.ready)).toEqual([true, true])
  })

  it('refuses a GPU outside any IOMMU group on a host whose IOMMU is on', () => {
    const report = checkPassthrough(
      probeOf('probe-2x4090-ready.txt', ['class=0x030000 driver=vfio-pci iommu_group=8', 'class=0x030000 driver=vfio-pci iommu_group=']),
    )
    expect(codes(report.gpus[1])).toEqual(['blocker no-iommu-group'])
  })
})
