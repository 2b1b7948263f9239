import {describe, expect, it} from 'vitest'

import {listingMismatch, parseReportedGpus} from './listing-gate.js'

describe('listing gate', () => {
  const h100 = {name: 'NVIDIA H100 80GB HBM3', memoryMib: 81559}
  const rtx4090 = {name: 'NVIDIA GeForce RTX 4090', memoryMib: 24564}

  it('passes a box that is what was listed, whatever the marketplace called it', () => {
    expect(listingMismatch([h100, h100], {gpuType: 'H100 80GB SXM', gpuCount: 2, vramGb: 80})).toBeNull()
    expect(listingMismatch([rtx4090], {gpuType: 'RTX 4090', gpuCount: 1, vramGb: 24})).toBeNull()
    expect(listingMismatch([{name: 'NVIDIA A100-SXM4-80GB', memoryMib: 81920}], {gpuType: 'A100 80GB SXM', gpuCount: 1, vramGb: null})).toBeNull()
  })

  it('refuses another model, another count, another VRAM or another form factor, saying what it saw', () => {
    expect(listingMismatch([h100], {gpuType: 'RTX 3060', gpuCount: 1, vramGb: 12})).toBe(
      'the box does not match its listing: listed 1x RTX 3060 12 GB, nvidia-smi reports NVIDIA H100 80GB HBM3 with 80 GB',
    )
    expect(listingMismatch([rtx4090], {gpuType: 'RTX 4090', gpuCount: 2, vramGb: 24})).toMatch(/reports 1 GPU instead of 2/)
    expect(listingMismatch([{name: 'NVIDIA A100-SXM4-40GB', memoryMib: 40960}], {gpuType: 'A100 80GB SXM', gpuCount: 1, vramGb: 80})).toMatch(/40 GB/)
    expect(listingMismatch([{name: 'NVIDIA H100 PCIe', memoryMib: 81559}], {gpuType: 'H100 80GB SXM', gpuCount: 1, vramGb: 80})).toMatch(/H100 PCIe/)
  })

  it('reads nvidia-smi\'s CSV, and nothing else', () => {
    expect(parseReportedGpus('NVIDIA H100 80GB HBM3, 81559\nNVIDIA H100 80GB HBM3, 81559\n')).toEqual([h100, h100])
    expect(parseReportedGpus('NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver.')).toBeNull()
    expect(parseReportedGpus('')).toBeNull()
  })
})
