import {execFileSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {packageRoot} from '../../../config/paths.js'
import {findHostGpus} from '../host-gpus.js'
import {parseHostProbe} from '../host-probe.js'
import {checkPassthrough} from '../passthrough-preflight.js'
import {parsePciDeviceList, type PciAddress} from '../pci-device.js'
import {parseInstanceMetadata} from './domain-metadata.js'
import {buildDomainXml, hostdevAddresses, type DomainSpec} from './domain-xml.js'

const VALIDATOR = '/usr/bin/virt-xml-validate'
const hasValidator = existsSync(VALIDATOR)
const probe = (name: string) => parseHostProbe(readFileSync(join(packageRoot(), 'fixtures', 'pci', name), 'utf8'))

const POOL = '/var/lib/gpu-shopper/pool'
const DOMAIN = 'gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f'
const INSTANCE = {deploymentId: 'dep-1a2b3c4d', sessionId: 'sess-0a1b2c3d4e5f', nodeName: 'lab-4090', createdAt: new Date('2025-06-01T12:00:00Z')}

function spec(overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    instance: INSTANCE,
    type: 'qemu',
    vcpus: 2,
    memoryMiB: 2048,
    boot: {kind: 'disk'},
    overlayDiskPath: `${POOL}/${DOMAIN}.qcow2`,
    seedIsoPath: `${POOL}/${DOMAIN}-seed.iso`,
    network: 'default',
    gpus: [],
    ...overrides,
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'domain-xml-test-'))
afterAll(() => rmSync(tmp, {recursive: true, force: true}))

/** Runs libvirt's own schema check; returns its complaint, or null when the document validates. */
function virtXmlValidate(xml: string, name: string): string | null {
  const file = join(tmp, `${name}.xml`)
  writeFileSync(file, xml)
  try {
    execFileSync(VALIDATOR, [file, 'domain'], {encoding: 'utf8', stdio: 'pipe'})
    return null
  } catch (err) {
    const {stdout, stderr} = err as {stdout: string; stderr: string}
    return `${stdout}${stderr}`
  }
}

describe.skipIf(!hasValidator)(`domain XML against libvirt's schema${hasValidator ? '' : ` (SKIPPED: ${VALIDATOR} is not installed; apt-get install libvirt-clients)`}`, () => {
  it('validates a CPU-only TCG slice booting a kernel directly', () => {
    // Given a test slice: TCG, a tiny kernel and initramfs, no GPU
    const built = buildDomainXml(spec({boot: {kind: 'kernel', kernel: '/srv/boot/vmlinuz', initrd: '/srv/boot/initramfs.cpio.gz', cmdline: 'console=ttyS0 quiet rdinit=/init ds=nocloud'}}))

    // When libvirt's validator reads it
    // Then it passes, and the boot is the kernel's
    expect(virtXmlValidate(built.xml, 'tcg-kernel')).toBeNull()
    expect(built.xml).toContain(`<domain type='qemu'>`)
    expect(built.xml).toContain('<kernel>/srv/boot/vmlinuz</kernel>')
    expect(built.xml).toContain('<cmdline>console=ttyS0 quiet rdinit=/init ds=nocloud</cmdline>')
    expect(built.xml).not.toContain('<boot ')
    expect(built.xml).not.toContain('<hostdev')
    expect(built.xml).toContain(`<cpu mode='maximum' check='none'/>`)
  })

  it('validates a 2-GPU KVM slice with each GPU’s audio function and the KVM signature hidden', () => {
    // Given both RTX 4090s of a real probe, ready for passthrough with their audio functions
    const gpus = checkPassthrough(probe('probe-2x4090-ready.txt')).gpus
    expect(gpus.every((gpu) => gpu.ready)).toBe(true)

    // When a slice with both is built, for consumer cards (KVM hidden) with EFI firmware
    const built = buildDomainXml(spec({type: 'kvm', vcpus: 16, memoryMiB: 98304, gpus, hideKvm: true, firmware: 'efi', uuid: '5E3B3F0C-9A43-4F1B-8F7E-2B8A6C1D0E9F'}))

    // Then it validates, with one managed hostdev per function and the metadata counting two GPUs
    expect(virtXmlValidate(built.xml, 'kvm-2gpu')).toBeNull()
    expect(built.hostdevs).toEqual(['0000:01:00.0', '0000:01:00.1', '0000:41:00.0', '0000:41:00.1'])
    expect(built.xml.match(/<hostdev mode='subsystem' type='pci' managed='yes'>/g)).toHaveLength(4)
    expect(built.xml).toContain(`<address domain='0x0000' bus='0x41' slot='0x00' function='0x1'/>`)
    expect(built.xml).toMatch(/<kvm>\s*<hidden state='on'\/>\s*<\/kvm>/)
    expect(built.xml).toContain(`<os firmware='efi'>`)
    expect(built.xml).toContain('<uuid>5e3b3f0c-9a43-4f1b-8f7e-2b8a6c1d0e9f</uuid>')
    expect(built.xml).toContain(`<memballoon model='none'/>`)
    expect(built.xml).toContain(`<cpu mode='host-passthrough' check='none' migratable='off'/>`)
    expect(parseInstanceMetadata(built.xml)).toEqual({...INSTANCE, gpuCount: 2})
  })

  it('validates a slice booting from its overlay disk, with the seed as a read-only cdrom on virtio-scsi (cloud kernels have no AHCI)', () => {
    const built = buildDomainXml(spec())
    expect(virtXmlValidate(built.xml, 'disk-boot')).toBeNull()
    expect(built.name).toBe(DOMAIN)
    expect(built.xml).toContain(`<name>${DOMAIN}</name>`)
    expect(built.xml).toContain(`<boot dev='hd'/>`)
    expect(built.xml).toMatch(new RegExp(`<driver name='qemu' type='qcow2' discard='unmap'/>\\s*<source file='${POOL}/${DOMAIN}\\.qcow2'/>\\s*<target dev='vda' bus='virtio'/>`))
    expect(built.xml).toMatch(/<disk type='file' device='cdrom'>[\s\S]*<target dev='sda' bus='scsi'\/>\s*<readonly\/>/)
    expect(built.xml).toContain("<controller type='scsi' index='0' model='virtio-scsi'/>")
    expect(built.xml).toMatch(/<interface type='network'>\s*<source network='default'\/>\s*<model type='virtio'\/>/)
    expect(built.xml).toMatch(/<serial type='pty'>[\s\S]*<console type='pty'>\s*<target type='serial' port='0'\/>/)
    expect(built.xml).not.toContain('memballoon')
  })

  it('validates a document whose paths and node name need escaping', () => {
    const built = buildDomainXml(
      spec({
        instance: {...INSTANCE, nodeName: `rack "A" <4> & 'friends'`},
        overlayDiskPath: `/srv/pool's & <disks>/${DOMAIN}.qcow2`,
        boot: {kind: 'kernel', kernel: '/k', cmdline: `init=/bin/sh -c 'echo <ok> && true'`},
      }),
    )
    expect(virtXmlValidate(built.xml, 'escaped')).toBeNull()
    expect(built.xml).toContain(`<source file='/srv/pool&apos;s &amp; &lt;disks&gt;/${DOMAIN}.qcow2'/>`)
    expect(parseInstanceMetadata(built.xml)?.nodeName).toBe(`rack "A" <4> & 'friends'`)
  })

  it('is caught by the validator when broken, so the checks above mean something', () => {
    const broken = buildDomainXml(spec()).xml.replace(`<vcpu placement='static'>2</vcpu>`, `<vcpu placement='everywhere'>2</vcpu>`)
    expect(virtXmlValidate(broken, 'broken')).toMatch(/fails to validate|Relax-NG validity error/)
  })
})

describe('hostdevAddresses', () => {
  it('lists a function shared by two GPUs of one IOMMU group once', () => {
    // Given two GPUs behind one switch without ACS: each must take the other along
    const devices = parsePciDeviceList(
      [
        '0000:65:00.0 vendor=0x10de device=0x2684 class=0x030000 driver=vfio-pci iommu_group=7 numa=0',
        '0000:65:00.1 vendor=0x10de device=0x22ba class=0x040300 driver=vfio-pci iommu_group=7 numa=0',
        '0000:66:00.0 vendor=0x10de device=0x2684 class=0x030000 driver=vfio-pci iommu_group=7 numa=0',
        '0000:66:00.1 vendor=0x10de device=0x22ba class=0x040300 driver=vfio-pci iommu_group=7 numa=0',
      ].join('\n'),
    )
    const [a, b] = findHostGpus(devices)
    const group = devices.map((device) => device.address)

    // When both are given to one slice
    // Then each function appears once, in address order
    expect(hostdevAddresses([{gpu: b!, passTogether: group}, {gpu: a!, passTogether: group}])).toEqual(group)
  })

  it('includes a GPU’s companions even when the group list left them out', () => {
    const [gpu] = findHostGpus(probe('probe-2x4090-ready.txt').devices)
    expect(hostdevAddresses([{gpu: gpu!, passTogether: []}])).toEqual(['0000:01:00.0', '0000:01:00.1'])
  })

  it('refuses an address that is not in sysfs form', () => {
    const [gpu] = findHostGpus(probe('probe-2x4090-ready.txt').devices)
    expect(() => hostdevAddresses([{gpu: gpu!, passTogether: ['65:00.0' as PciAddress]}])).toThrow(/not a PCI address/)
  })
})

describe('buildDomainXml refuses', () => {
  it.each([
    ['a TCG slice with a GPU', () => spec({gpus: checkPassthrough(probe('probe-2x4090-ready.txt')).gpus.slice(0, 1)}), /needs type kvm/],
    ['zero vCPUs', () => spec({vcpus: 0}), /vcpus/],
    ['fractional memory', () => spec({memoryMiB: 1024.5}), /memoryMiB/],
    ['too little memory', () => spec({memoryMiB: 64}), /memoryMiB/],
    ['a relative disk path', () => spec({overlayDiskPath: 'pool/x.qcow2'}), /overlay disk/],
    ['a path that climbs', () => spec({seedIsoPath: '/var/lib/../../etc/shadow'}), /seed ISO/],
    ['a path with a newline', () => spec({overlayDiskPath: '/a\nb'}), /overlay disk/],
    ['a network name with a quote', () => spec({network: "default' type='evil"}), /network/],
    ['a malformed UUID', () => spec({uuid: 'not-a-uuid'}), /uuid/],
    ['a two-line kernel command line', () => spec({boot: {kind: 'kernel', kernel: '/k', cmdline: 'a\nb'}}), /command line/],
    ['an unknown domain type', () => spec({type: 'xen' as never}), /type must be/],
    ['an identity that is not a valid label', () => spec({instance: {...INSTANCE, sessionId: 'Sess_1'}}), /session id/],
  ])('%s', (_what, make, message) => {
    expect(() => buildDomainXml(make())).toThrow(message)
  })
})
