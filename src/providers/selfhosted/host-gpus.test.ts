import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'
import {gpuModelFacts} from '../../sim/shared/gpu-models.js'
import {gpuModelByPciId, knownGpuPciIds} from './gpu-pci-ids.js'
import {describeHostGpu, findHostGpus} from './host-gpus.js'
import {parseHostProbe} from './host-probe.js'
import {parsePciDeviceList} from './pci-device.js'

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'pci', name), 'utf8')

describe('findHostGpus', () => {
  it('finds the H100 of the real host and nothing else', () => {
    // Given the real H100 VM's devices: a host bridge, five virtio devices and the GPU
    // When its GPUs are picked out
    const gpus = findHostGpus(parsePciDeviceList(fixture('sysfs-h100-no-iommu.txt')))

    // Then there is one, named and sized from its device id, with no other function on its slot
    expect(gpus).toHaveLength(1)
    expect(gpus[0]).toMatchObject({vendor: 'NVIDIA', model: {name: 'H100 80GB SXM', vramGb: 80}, companions: []})
    expect(describeHostGpu(gpus[0]!)).toBe('H100 80GB SXM at 0000:00:06.0')
  })

  it('pairs each GPU with its audio function and passes over the BMC VGA', () => {
    const gpus = findHostGpus(parseHostProbe(fixture('probe-2x4090-ready.txt')).devices)
    expect(gpus.map((gpu) => [gpu.device.address, gpu.model?.name, gpu.companions.map((device) => device.address)])).toEqual([
      ['0000:01:00.0', 'RTX 4090', ['0000:01:00.1']],
      ['0000:41:00.0', 'RTX 4090', ['0000:41:00.1']],
    ])
  })

  it("passes over the CPU's integrated graphics", () => {
    const gpus = findHostGpus(parseHostProbe(fixture('probe-shared-group.txt')).devices)
    expect(gpus.map((gpu) => gpu.device.address)).toEqual(['0000:01:00.0', '0000:03:00.0'])
  })

  it('keeps a GPU of an unknown id as a GPU of unknown model, and finds accelerators by id', () => {
    // Given a card newer than the table, a discrete Intel card, an MI300X (class "processing
    // accelerator") and an NVSwitch (NVIDIA, but a bridge)
    const devices = parsePciDeviceList(
      [
        '0000:05:00.0 vendor=0x10de device=0x9999 class=0x030200 driver= iommu_group=3 numa=0',
        '0000:06:00.0 vendor=0x8086 device=0x56a0 class=0x030000 driver=i915 iommu_group=4 numa=0',
        '0000:07:00.0 vendor=0x1002 device=0x74a1 class=0x120000 driver=amdgpu iommu_group=5 numa=0',
        '0000:08:00.0 vendor=0x10de device=0x22a3 class=0x068000 driver= iommu_group=6 numa=0',
      ].join('\n'),
    )

    // When the GPUs are picked out
    const gpus = findHostGpus(devices)

    // Then the first three are GPUs, the unknown ones named by vendor and ids
    expect(gpus.map(describeHostGpu)).toEqual([
      'unknown NVIDIA GPU 10de:9999 at 0000:05:00.0',
      'unknown Intel GPU 8086:56a0 at 0000:06:00.0',
      'MI300X at 0000:07:00.0',
    ])
  })
})

describe('the PCI id table', () => {
  it('names every model canonically', () => {
    for (const {model} of knownGpuPciIds()) expect(normalizeGpuName(model.name)).toBe(model.name)
  })

  it('agrees with the simulators on the ids and memory of the models both know', () => {
    // Given the simulators' nvidia-smi facts (pci_device_id `233010DE`, memory.total) per model
    let compared = 0
    for (const name of new Set(knownGpuPciIds().map(({model}) => model.name))) {
      const facts = gpuModelFacts(name)
      if (facts.architecture === 'Unknown') continue
      // Then the simulated board's id names the same model here, of the same VRAM
      const simulated = /^([0-9a-f]{4})([0-9a-f]{4})$/.exec(facts.pciDeviceId.toLowerCase())
      const model = gpuModelByPciId(simulated?.[2] ?? '', simulated?.[1] ?? '')
      expect(model?.name, name).toBe(name)
      if (model?.vramGb != null) expect(vramGbFromMib(facts.memoryMiB), name).toBe(model.vramGb)
      compared++
    }
    expect(compared).toBeGreaterThanOrEqual(20)
  })
})
