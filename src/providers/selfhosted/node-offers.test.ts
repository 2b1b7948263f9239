import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {toMicroUsd} from '../../core/money.js'
import {parseHostProbe} from './host-probe.js'
import {nodeOffers, type NodeCapacity} from './node-offers.js'
import {checkPassthrough, type GpuPreflight} from './passthrough-preflight.js'
import type {PciAddress} from './pci-device.js'

const preflightOf = (fixture: string): GpuPreflight[] =>
  checkPassthrough(parseHostProbe(readFileSync(join(packageRoot(), 'fixtures', 'pci', fixture), 'utf8'))).gpus

/** The ready RTX 4090 of the written correct host, at bus `bus` (its audio function with it). */
function rtx4090At(bus: number): GpuPreflight {
  const [ready] = preflightOf('probe-2x4090-ready.txt')
  const at = (address: PciAddress) => address.replace(/^0000:01:/, `0000:${bus.toString(16).padStart(2, '0')}:`) as PciAddress
  return {
    ...ready!,
    gpu: {...ready!.gpu, device: {...ready!.gpu.device, address: at(ready!.gpu.device.address)}, companions: ready!.gpu.companions.map((c) => ({...c, address: at(c.address)}))},
    passTogether: ready!.passTogether.map(at),
  }
}

/**
 * A KVM node in `home-lab` at $0.50 per GPU-hour: six RTX 4090s (one held by a session), the
 * mixed host's two RTX A6000s (one of them not ready: in use and bound to host drivers), and two
 * CPU-only slices at $0.02/h, one held.
 */
function capacity(over: Partial<NodeCapacity> = {}): NodeCapacity {
  const gpus = [...[1, 2, 3, 4, 5, 6].map(rtx4090At), ...preflightOf('probe-mixed.txt')]
  return {
    name: 'lab',
    tenantId: null,
    region: 'home-lab',
    pricing: {pricePerGpuHour: toMicroUsd(0.5), cpuSlices: 2, cpuSlicePricePerHour: toMicroUsd(0.02)},
    readiness: {vmReady: true, vmHost: [], passthrough: {passthroughPossible: true, host: [], gpus}, baseImages: [], kvm: true, baseImage: null},
    cpus: 64,
    memoryMiB: 512 * 1024,
    heldSlots: new Set(['gpu:0000:06:00.0', 'cpu:1']),
    ...over,
  }
}

const FETCHED_AT = Date.UTC(2026, 10, 30, 12)
const summary = (offers: ReturnType<typeof nodeOffers>) => offers.map((o) => [o.providerId, o.gpuType, o.gpuCount, o.pricePerHour])

describe('nodeOffers', () => {
  it('offers slices of 1, 2, 4, … free ready GPUs of each model and the free count itself, at the price per GPU-hour times the count', () => {
    const offers = nodeOffers(capacity(), FETCHED_AT)
    expect(summary(offers)).toEqual([
      // Five 4090s are free (the sixth is held): 1, 2, 4, and all five.
      ['lab.1x-rtx-4090', 'RTX 4090', 1, toMicroUsd(0.5)],
      ['lab.2x-rtx-4090', 'RTX 4090', 2, toMicroUsd(1)],
      ['lab.4x-rtx-4090', 'RTX 4090', 4, toMicroUsd(2)],
      ['lab.5x-rtx-4090', 'RTX 4090', 5, toMicroUsd(2.5)],
      // One A6000 is ready; the one that is not is offered in no slice.
      ['lab.1x-rtx-a6000', 'RTX A6000', 1, toMicroUsd(0.5)],
      // One CPU slice of two is free.
      ['lab.cpu', 'CPU', 0, toMicroUsd(0.02)],
    ])
    for (const offer of offers) {
      expect(offer).toMatchObject({id: `selfhosted-${offer.providerId}`, provider: 'selfhosted', location: 'home-lab', countryCode: null, available: true, fetchedAt: FETCHED_AT, tenantId: null})
    }
    expect(offers.find((o) => o.providerId === 'lab.1x-rtx-a6000')?.vramGb).toBe(48)
  })

  it('offers CPU slices only when the owner enabled them and one is free', () => {
    expect(summary(nodeOffers(capacity({pricing: {pricePerGpuHour: toMicroUsd(0.5), cpuSlices: 0, cpuSlicePricePerHour: toMicroUsd(0)}}), FETCHED_AT)).map((o) => o[0])).not.toContain('lab.cpu')
    expect(summary(nodeOffers(capacity({heldSlots: new Set(['cpu:1', 'cpu:2'])}), FETCHED_AT)).map((o) => o[0])).not.toContain('lab.cpu')
  })

  it('offers no GPU slices without KVM, and nothing at all on a node that cannot run VMs', () => {
    const ready = capacity().readiness
    expect(summary(nodeOffers(capacity({readiness: {...ready, kvm: false}}), FETCHED_AT))).toEqual([['lab.cpu', 'CPU', 0, toMicroUsd(0.02)]])
    expect(nodeOffers(capacity({readiness: {...ready, vmReady: false}}), FETCHED_AT)).toEqual([])
  })

  it('offers nothing of a model whose GPUs are all held', () => {
    const held = new Set(['gpu:0000:17:00.0', ...[1, 2, 3, 4, 5, 6].map((bus) => `gpu:0000:0${bus}:00.0`)])
    expect(summary(nodeOffers(capacity({heldSlots: held}), FETCHED_AT))).toEqual([['lab.cpu', 'CPU', 0, toMicroUsd(0.02)]])
  })
})
