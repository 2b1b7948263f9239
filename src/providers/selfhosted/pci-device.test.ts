import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {describePciDevice, parsePciDeviceLine, parsePciDeviceList} from './pci-device.js'
import {ProbeOutputError} from './probe-output-error.js'

const realH100 = readFileSync(join(packageRoot(), 'fixtures', 'pci', 'sysfs-h100-no-iommu.txt'), 'utf8')

function errorOf(run: () => unknown): ProbeOutputError {
  try {
    run()
  } catch (err) {
    if (err instanceof ProbeOutputError) return err
    throw err
  }
  throw new Error('expected a ProbeOutputError')
}

describe('parsePciDeviceList', () => {
  it('reads every device of the real H100 host', () => {
    // Given the device lines captured on a real H100 VM
    // When they are read
    const devices = parsePciDeviceList(realH100)

    // Then each of the seven functions is there, the GPU with its driver and no group
    expect(devices.map((device) => device.address)).toEqual([
      '0000:00:00.0', '0000:00:01.0', '0000:00:02.0', '0000:00:03.0', '0000:00:04.0', '0000:00:05.0', '0000:00:06.0',
    ])
    expect(devices[6]).toEqual({
      address: '0000:00:06.0',
      vendorId: '10de',
      deviceId: '2330',
      classCode: '030200',
      driver: 'nvidia',
      iommuGroup: null,
      numaNode: null,
    })
    expect(devices[0]?.driver).toBeNull()
    expect(devices.every((device) => device.iommuGroup === null)).toBe(true)
  })

  it('reads a group, a NUMA node and upper-case hex', () => {
    const device = parsePciDeviceLine('0000:ca:00.1 vendor=0x10DE device=0x1AEF class=0x040300 driver=snd_hda_intel iommu_group=8 numa=1', 1)
    expect(device).toMatchObject({vendorId: '10de', deviceId: '1aef', driver: 'snd_hda_intel', iommuGroup: 8, numaNode: 1})
    expect(describePciDevice(device)).toBe('0000:ca:00.1 (10de:1aef multimedia controller, driver snd_hda_intel)')
  })

  it('names the line and the field that is wrong', () => {
    // Given a list whose third line has a five-digit class
    const text = [
      '0000:00:00.0 vendor=0x8086 device=0x0d57 class=0x060000 driver= iommu_group= numa=-1',
      '',
      '0000:00:06.0 vendor=0x10de device=0x2330 class=0x03020 driver=nvidia iommu_group= numa=-1',
    ].join('\n')

    // When it is read, starting at line 10 of a larger output
    const err = errorOf(() => parsePciDeviceList(text, 10))

    // Then the error points at line 12 and at the class
    expect(err.lineNumber).toBe(12)
    expect(err.message).toBe(
      'host probe output, line 12: class: expected 0x and 6 hex digits: "0000:00:06.0 vendor=0x10de device=0x2330 class=0x03020 driver=nvidia iommu_group= numa=-1"',
    )
  })

  it.each([
    ['not an address', '00:06.0 vendor=0x10de device=0x2330 class=0x030200 driver= iommu_group= numa=-1', 'expected a PCI address like 0000:00:06.0 first'],
    ['a missing field', '0000:00:06.0 vendor=0x10de device=0x2330 class=0x030200 driver=', 'missing iommu_group, numa'],
    ['an unknown field', '0000:00:06.0 vendor=0x10de device=0x2330 class=0x030200 driver= iommu_group= numa=-1 irq=5', 'unknown field irq'],
    ['a repeated field', '0000:00:06.0 vendor=0x10de vendor=0x10de device=0x2330 class=0x030200 driver= iommu_group= numa=-1', 'vendor appears twice'],
    ['a word without =', '0000:00:06.0 vendor=0x10de device=0x2330 class=0x030200 driver=nvidia open iommu_group= numa=-1', 'expected key=value, got "open"'],
    ['a bad group', '0000:00:06.0 vendor=0x10de device=0x2330 class=0x030200 driver= iommu_group=x numa=-1', 'iommu_group: expected a group number or nothing'],
  ])('rejects %s', (_what, line, problem) => {
    expect(errorOf(() => parsePciDeviceLine(line, 3)).problem).toContain(problem)
  })

  it('rejects a device listed twice', () => {
    const line = '0000:00:06.0 vendor=0x10de device=0x2330 class=0x030200 driver=nvidia iommu_group= numa=-1'
    const err = errorOf(() => parsePciDeviceList(`${line}\n${line}\n`))
    expect([err.lineNumber, err.problem]).toEqual([2, '0000:00:06.0 is listed twice'])
  })
})
