import {describe, expect, it} from 'vitest'

import {TENSORDOCK_GPUS} from '../sim/tensordock/gpu-catalog.js'
import {GPU_CATALOG} from '../sim/vastai/gpu-catalog.js'
import {
  VAST_GPU_NAMES,
  describeGpu,
  gpuMatchesFilter,
  gpuTypeMatcher,
  normalizeGpuName,
  providerGpuNamesFor,
  vramGbFromMib,
} from './gpu-names.js'

describe('normalizeGpuName', () => {
  describe('Vast.ai gpu_name spellings', () => {
    it.each([
      ['RTX 4090', undefined, 'RTX 4090'],
      ['RTX 4090', 24, 'RTX 4090'],
      ['RTX 5090', 32, 'RTX 5090'],
      ['RTX 3090', 24, 'RTX 3090'],
      ['RTX 3090 Ti', 24, 'RTX 3090 Ti'],
      ['RTX 3060', 12, 'RTX 3060'],
      ['RTX 3060 Ti', 8, 'RTX 3060 Ti'],
      ['RTX 3080 Ti', 12, 'RTX 3080 Ti'],
      ['RTX 4060 Ti', 16, 'RTX 4060 Ti'],
      ['RTX 4070S', 12, 'RTX 4070 SUPER'],
      ['RTX 4070S Ti', 16, 'RTX 4070 Ti SUPER'],
      ['RTX 4070 Ti', 12, 'RTX 4070 Ti'],
      ['RTX 4080S', 16, 'RTX 4080 SUPER'],
      ['RTX 4090D', 24, 'RTX 4090 D'],
      ['RTX 5060 Ti', 16, 'RTX 5060 Ti'],
      ['RTX 5070 Ti', 16, 'RTX 5070 Ti'],
      ['RTX 5080', 16, 'RTX 5080'],
      ['RTX 2080 Ti', 11, 'RTX 2080 Ti'],
      ['RTX 2060S', 8, 'RTX 2060 SUPER'],
      ['GTX 1080 Ti', 11, 'GTX 1080 Ti'],
      ['GTX 1660 S', 6, 'GTX 1660 SUPER'],
      ['RTX 3060 laptop', 6, 'RTX 3060 Laptop'],
      ['A100 SXM4', 80, 'A100 80GB SXM'],
      ['A100 SXM4', 40, 'A100 40GB SXM'],
      ['A100 PCIE', 80, 'A100 80GB PCIe'],
      ['A100 PCIE', 40, 'A100 40GB PCIe'],
      ['A100 SXM4', undefined, 'A100 SXM'],
      ['A100X', 80, 'A100X'],
      ['H100 SXM', 80, 'H100 80GB SXM'],
      ['H100 SXM', undefined, 'H100 80GB SXM'],
      ['H100 PCIE', 80, 'H100 80GB PCIe'],
      ['H100 NVL', 94, 'H100 NVL'],
      ['H100 NVL', undefined, 'H100 NVL'],
      ['H200', 141, 'H200'],
      ['H200 NVL', 141, 'H200 NVL'],
      ['GH200', 96, 'GH200'],
      ['GH200 SXM', 96, 'GH200'],
      ['B200', 180, 'B200'],
      ['L40S', 48, 'L40S'],
      ['L40', 48, 'L40'],
      ['L4', 24, 'L4'],
      ['A40', 48, 'A40'],
      ['A10', 24, 'A10'],
      ['A800 PCIE', 80, 'A800'],
      ['Tesla V100', 16, 'V100 16GB'],
      ['Tesla V100', 32, 'V100 32GB'],
      ['Tesla V100', undefined, 'V100'],
      ['Tesla T4', 16, 'T4'],
      ['Tesla P100', 16, 'P100'],
      ['Q RTX 8000', 48, 'Quadro RTX 8000'],
      ['Q RTX 6000', 24, 'Quadro RTX 6000'],
      ['Quadro P4000', 8, 'Quadro P4000'],
      ['RTX 4000Ada', 20, 'RTX 4000 Ada'],
      ['RTX 6000Ada', 48, 'RTX 6000 Ada'],
      ['RTX 5880Ada', 48, 'RTX 5880 Ada'],
      ['RTX A6000', 48, 'RTX A6000'],
      ['RTX A5000', 24, 'RTX A5000'],
      ['RTX A4000', 16, 'RTX A4000'],
      ['RTX PRO 6000 WS', 96, 'RTX PRO 6000 WS'],
      ['Titan Xp', 12, 'Titan Xp'],
      ['GTX TITAN X', 12, 'Titan X'],
      ['RTX_4090', undefined, 'RTX 4090'],
    ])('%s (%s GB) → %s', (raw, vram, expected) => {
      expect(normalizeGpuName(raw, vram)).toBe(expected)
    })
  })

  describe('TensorDock displayName and v0Name spellings', () => {
    it.each([
      ['NVIDIA GeForce RTX 4090 PCIe 24GB', 'RTX 4090'],
      ['NVIDIA GeForce RTX 3090 PCIe 24GB', 'RTX 3090'],
      ['NVIDIA GeForce RTX 5090 PCIe 32GB', 'RTX 5090'],
      ['NVIDIA H100 SXM5 80GB', 'H100 80GB SXM'],
      ['NVIDIA H100 PCIe 80GB', 'H100 80GB PCIe'],
      ['NVIDIA A100 PCIe 80GB', 'A100 80GB PCIe'],
      ['NVIDIA A100 SXM4 40GB', 'A100 40GB SXM'],
      ['NVIDIA RTX A6000 PCIe 48GB', 'RTX A6000'],
      ['NVIDIA RTX A5000 PCIe 24GB', 'RTX A5000'],
      ['NVIDIA L4 PCIe 24GB', 'L4'],
      ['NVIDIA A40 PCIe 48GB', 'A40'],
      ['NVIDIA Tesla V100 PCIe 16GB', 'V100 16GB'],
      ['NVIDIA RTX 6000 Ada Generation PCIe 48GB', 'RTX 6000 Ada'],
      ['geforcertx4090-pcie-24gb', 'RTX 4090'],
      ['geforcertx3090-pcie-24gb', 'RTX 3090'],
      ['geforcertx5090-pcie-32gb', 'RTX 5090'],
      ['geforcertx3090ti-pcie-24gb', 'RTX 3090 Ti'],
      ['a100-pcie-80gb', 'A100 80GB PCIe'],
      ['a100-sxm4-40gb', 'A100 40GB SXM'],
      ['h100-sxm5-80gb', 'H100 80GB SXM'],
      ['h100-pcie-80gb', 'H100 80GB PCIe'],
      ['rtxa6000-pcie-48gb', 'RTX A6000'],
      ['rtxa5000-pcie-24gb', 'RTX A5000'],
      ['rtx6000ada-pcie-48gb', 'RTX 6000 Ada'],
      ['l4-pcie-24gb', 'L4'],
      ['a40-pcie-48gb', 'A40'],
      ['l40s-pcie-48gb', 'L40S'],
      ['teslav100-pcie-16gb', 'V100 16GB'],
      ['teslav100-sxm2-32gb', 'V100 32GB'],
    ])('%s → %s', (raw, expected) => {
      expect(normalizeGpuName(raw)).toBe(expected)
    })
  })

  describe('nvidia-smi names', () => {
    it.each([
      ['NVIDIA H100 80GB HBM3', 'H100 80GB SXM'],
      ['NVIDIA H100 PCIe', 'H100 80GB PCIe'],
      ['NVIDIA H100 NVL', 'H100 NVL'],
      ['NVIDIA A100-SXM4-80GB', 'A100 80GB SXM'],
      ['NVIDIA A100-PCIE-40GB', 'A100 40GB PCIe'],
      ['NVIDIA GeForce RTX 4090', 'RTX 4090'],
      ['NVIDIA RTX A6000', 'RTX A6000'],
      ['Tesla V100-SXM2-32GB', 'V100 32GB'],
    ])('%s → %s', (raw, expected) => {
      expect(normalizeGpuName(raw)).toBe(expected)
    })
  })

  describe('unknown names are cleaned, never dropped', () => {
    it.each([
      ['NVIDIA  GeForce   RTX 9090 Ultra', 'RTX 9090 Ultra'],
      ['InstinctMI50', 'InstinctMI50'],
      ['P104-100', 'P104-100'],
      ['  Tesla  Foo  ', 'Foo'],
      ['NVIDIA RTX PRO 6000 Blackwell Workstation Edition', 'RTX PRO 6000 Blackwell Workstation Edition'],
      ['newgpu-pcie-64gb', 'NEWGPU'],
      ['Mystery X1 SXM 80GB', 'Mystery X1 SXM'],
    ])('%j → %j', (raw, expected) => {
      expect(normalizeGpuName(raw)).toBe(expected)
    })

    it('returns an empty string only for blank input', () => {
      expect(normalizeGpuName('   ')).toBe('')
    })
  })

  it('is idempotent on its own output', () => {
    for (const spelling of VAST_GPU_NAMES) {
      for (const vram of [undefined, 16, 24, 40, 80]) {
        const once = normalizeGpuName(spelling, vram)
        expect(normalizeGpuName(once, vram), `${spelling} @ ${vram}`).toBe(once)
      }
    }
  })

  it('gives the same name for the same card sold by both providers', () => {
    expect(normalizeGpuName('RTX 4090', 24)).toBe(normalizeGpuName('NVIDIA GeForce RTX 4090 PCIe 24GB'))
    expect(normalizeGpuName('A100 PCIE', 80)).toBe(normalizeGpuName('a100-pcie-80gb'))
    expect(normalizeGpuName('H100 SXM', 80)).toBe(normalizeGpuName('h100-sxm5-80gb'))
    expect(normalizeGpuName('RTX A6000', 48)).toBe(normalizeGpuName('rtxa6000-pcie-48gb'))
    expect(normalizeGpuName('Tesla V100', 16)).toBe(normalizeGpuName('teslav100-pcie-16gb'))
  })
})

describe('vramGbFromMib', () => {
  it.each([
    [24564, 24],
    [24576, 24],
    [32607, 32],
    [81559, 80],
    [81920, 80],
    [40960, 40],
    [95830, 94],
    [97871, 96],
    [143771, 141],
    [183359, 180],
    [12288, 12],
    [11264, 11],
    [10240, 10],
    [16303, 16],
    [20470, 20],
    [49140, 48],
    [24000, 24],
    [30000, 29],
    [0, 0],
    [-5, 0],
    [Number.NaN, 0],
  ])('%d MiB → %d GB', (mib, gb) => {
    expect(vramGbFromMib(mib)).toBe(gb)
  })
})

describe('providerGpuNamesFor', () => {
  it.each([
    ['RTX 4090', ['RTX 4090']],
    ['rtx 4090', ['RTX 4090']],
    ['RTX4090', ['RTX 4090']],
    ['4090', ['RTX 4090']],
    ['rtx_4090', ['RTX 4090']],
    ['NVIDIA GeForce RTX 4090 PCIe 24GB', ['RTX 4090']],
    ['RTX 4090 D', ['RTX 4090D']],
    ['RTX 3090 Ti', ['RTX 3090 Ti']],
    ['RTX 4070 Ti SUPER', ['RTX 4070S Ti']],
    ['A100', ['A100 PCIE', 'A100 SXM4']],
    ['a100', ['A100 PCIE', 'A100 SXM4']],
    ['A100 80GB', ['A100 PCIE', 'A100 SXM4']],
    ['A100 80GB SXM', ['A100 SXM4']],
    ['A100 40GB PCIe', ['A100 PCIE']],
    ['A100 SXM', ['A100 SXM4']],
    ['H100', ['H100 NVL', 'H100 PCIE', 'H100 SXM']],
    ['H100 80GB', ['H100 PCIE', 'H100 SXM']],
    ['H100 80GB SXM', ['H100 SXM']],
    ['h100 nvl', ['H100 NVL']],
    ['H200', ['H200', 'H200 NVL']],
    ['H200 NVL', ['H200 NVL']],
    ['GH200', ['GH200', 'GH200 SXM']],
    ['V100', ['Tesla V100']],
    ['V100 32GB', ['Tesla V100']],
    ['Quadro RTX 8000', ['Q RTX 8000']],
    ['RTX 4000 Ada', ['RTX 4000Ada']],
    ['rtx 6000 ada', ['RTX 6000Ada']],
    ['A6000', ['RTX A6000']],
    ['T4', ['Tesla T4']],
    ['L40S', ['L40S']],
    ['B200', ['B200']],
    ['RTX 9999', []],
    ['', []],
  ])('%j → %j', (filter, expected) => {
    expect(providerGpuNamesFor(filter)).toEqual(expected)
  })
})

describe('gpuMatchesFilter', () => {
  it.each([
    ['RTX 4090', '4090', undefined, true],
    ['RTX 4090', 'rtx4090', undefined, true],
    ['RTX 4090 D', 'RTX 4090', undefined, false],
    ['A100 80GB SXM', 'A100', undefined, true],
    ['A100 80GB SXM', 'A100 80GB', undefined, true],
    ['A100 40GB SXM', 'A100 80GB', undefined, false],
    ['A100 80GB PCIe', 'A100 SXM', undefined, false],
    ['H100 NVL', 'H100', undefined, true],
    ['H100 NVL', 'H100 80GB', undefined, false],
    ['V100 16GB', 'V100 32GB', undefined, false],
    ['RTX 3060', 'RTX 3060 12GB', 12, true],
    ['RTX 3060', 'RTX 3060 12GB', 8, false],
    ['L40S', 'L40', undefined, false],
    ['anything', '', undefined, true],
  ])('%j vs filter %j (%s GB) → %s', (gpu, filter, vram, expected) => {
    expect(gpuMatchesFilter(gpu, filter, vram)).toBe(expected)
  })
})

describe('describeGpu', () => {
  it('keeps variant facts separate from the family', () => {
    expect(describeGpu('h100-sxm5-80gb')).toEqual({family: 'H100', formFactor: 'SXM', vramGb: 80})
    expect(describeGpu('A100 PCIE', 79.6)).toEqual({family: 'A100', formFactor: 'PCIe', vramGb: 80})
    expect(describeGpu('RTX 4090', 24)).toEqual({family: 'RTX 4090', formFactor: null, vramGb: 24})
  })
})

/**
 * The market as the adapters store it: every model both simulated marketplaces list (the real
 * spellings: Vast.ai `gpu_name` with its MiB, TensorDock `v0Name` and `displayName`), each under
 * its canonical name with its VRAM.
 */
const MARKET = [
  ...GPU_CATALOG.map((m) => ({source: `vastai ${m.gpuName} ${m.gpuRamMiB} MiB`, raw: m.gpuName, vramGb: vramGbFromMib(m.gpuRamMiB)})),
  ...TENSORDOCK_GPUS.flatMap((m) => [
    {source: `tensordock ${m.v0Name}`, raw: m.v0Name, vramGb: m.vramGb},
    {source: `tensordock ${m.displayName}`, raw: m.displayName, vramGb: m.vramGb},
  ]),
].map((m) => ({...m, gpuType: normalizeGpuName(m.raw, m.vramGb)}))

/** The listings of `MARKET` a filter picks, by where they came from. */
function picked(filter: string): string[] {
  const matches = gpuTypeMatcher(filter)
  return MARKET.filter((m) => matches(m.gpuType, m.vramGb)).map((m) => m.source)
}

describe('gpuTypeMatcher over the real model names of both marketplaces', () => {
  it('finds every H100, whatever the marketplace calls it, for "H100"', () => {
    expect(picked('H100')).toEqual([
      'vastai H100 PCIE 81559 MiB',
      'vastai H100 SXM 81559 MiB',
      'vastai H100 NVL 95830 MiB',
      'tensordock h100-sxm5-80gb',
      'tensordock NVIDIA H100 SXM5 80GB',
    ])
    expect(picked('h100')).toEqual(picked('H100'))
    expect(picked('NVIDIA H100')).toEqual(picked('H100'))
  })

  it('narrows by form factor and memory in any spelling', () => {
    const sxm = ['vastai H100 SXM 81559 MiB', 'tensordock h100-sxm5-80gb', 'tensordock NVIDIA H100 SXM5 80GB']
    expect(picked('H100 SXM')).toEqual(sxm)
    expect(picked('h100-sxm5-80gb')).toEqual(sxm)
    expect(picked('NVIDIA H100 SXM5 80GB')).toEqual(sxm)
    expect(picked('H100 80GB SXM')).toEqual(sxm)
    expect(picked('H100 PCIe')).toEqual(['vastai H100 PCIE 81559 MiB'])
    expect(picked('H100 NVL')).toEqual(['vastai H100 NVL 95830 MiB'])
    expect(picked('A100 SXM')).toEqual(['vastai A100 SXM4 40960 MiB', 'vastai A100 SXM4 81920 MiB'])
    expect(picked('A100 80GB')).toEqual([
      'vastai A100 PCIE 81920 MiB',
      'vastai A100 SXM4 81920 MiB',
      'tensordock a100-pcie-80gb',
      'tensordock NVIDIA A100 PCIe 80GB',
    ])
    expect(picked('V100 32GB')).toEqual(['vastai Tesla V100 32768 MiB'])
    expect(picked('V100')).toHaveLength(4)
  })

  it('matches consumer cards by model number, never a neighbouring model', () => {
    const rtx4090 = ['vastai RTX 4090 24564 MiB', 'tensordock geforcertx4090-pcie-24gb', 'tensordock NVIDIA GeForce RTX 4090 PCIe 24GB']
    expect(picked('RTX 4090')).toEqual(rtx4090)
    expect(picked('4090')).toEqual(rtx4090)
    expect(picked('rtx4090')).toEqual(rtx4090)
    expect(picked('GeForce RTX 4090')).toEqual(rtx4090)
    expect(picked('RTX 3090')).not.toContain('vastai RTX 3090 Ti 24564 MiB')
    expect(picked('RTX 3090 Ti')).toEqual(['vastai RTX 3090 Ti 24564 MiB'])
    expect(picked('RTX 6000 Ada')).toEqual(['vastai RTX 6000Ada 49140 MiB', 'tensordock rtx6000ada-pcie-48gb', 'tensordock NVIDIA RTX 6000 Ada PCIe 48GB'])
    expect(picked('A6000')).toEqual(['vastai RTX A6000 49140 MiB', 'tensordock rtxa6000-pcie-48gb', 'tensordock NVIDIA RTX A6000 PCIe 48GB'])
    expect(picked('L40')).toEqual([])
    expect(picked('L40S')).toHaveLength(3)
  })

  it('lets the VRAM decide where the name does not carry it', () => {
    expect(gpuTypeMatcher('RTX 4090 24GB').namesVram).toBe(true)
    expect(gpuTypeMatcher('RTX 4090').namesVram).toBe(false)
    expect(picked('RTX 4090 24GB')).toEqual(picked('RTX 4090'))
    expect(picked('RTX 4090 48GB')).toEqual([])
  })

  it('matches every listing with its own canonical name, and everything with an empty filter', () => {
    for (const m of MARKET) {
      expect(gpuTypeMatcher(m.gpuType)(m.gpuType, m.vramGb), m.source).toBe(true)
      // Stores keep lower-cased keys; the matcher ignores case on either side.
      expect(gpuTypeMatcher(m.gpuType)(m.gpuType.toLowerCase()), m.source).toBe(true)
    }
    expect(picked('')).toHaveLength(MARKET.length)
    expect(picked('RTX 9999')).toEqual([])
  })
})

describe('gpuTypeMatcher.byName', () => {
  it('keeps a model whose name does not carry the memory the filter names, for its VRAM to decide', () => {
    const matches = gpuTypeMatcher('RTX 4090 48GB')
    expect(matches.byName('RTX 4090')).toBe(true)
    expect(matches('RTX 4090', 24)).toBe(false)
    expect(matches('RTX 4090', 48)).toBe(true)
    expect(matches.byName('RTX 4090 D')).toBe(false)
  })

  it('still refuses a name that carries another memory size or form factor', () => {
    expect(gpuTypeMatcher('A100 80GB').byName('A100 40GB SXM')).toBe(false)
    expect(gpuTypeMatcher('H100 SXM').byName('h100 80gb pcie')).toBe(false)
    expect(gpuTypeMatcher('H100').byName('h100 nvl')).toBe(true)
  })
})
