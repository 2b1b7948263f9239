import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {normalizeGpuName, vramGbFromMib} from '../../core/gpu-names.js'
import {GPU_CATALOG} from '../vastai/gpu-catalog.js'
import {TENSORDOCK_GPUS} from '../tensordock/gpu-catalog.js'
import {buildGpuBox, sampleGpu, type GpuBox, type GpuSample} from './gpu-box.js'
import {gpuModelFacts} from './gpu-models.js'
import {runNvidiaSmi, type GpuLoad} from './nvidia-smi.js'
import {mulberry32} from './prng.js'

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'nvidia-smi', name), 'utf8')

/** The board the fixtures were captured on: an H100 SXM passed through to a VM at 00:06.0. */
const FIXTURE_H100: GpuBox = {
  name: 'H100 SXM',
  memoryMiB: 81559,
  driverVersion: '580.159.04',
  cudaVersion: '13.0',
  devices: [{uuid: 'GPU-97152b56-e740-8ed3-8e95-9d3f3ef0f426', serial: '1753124019172', busId: '00000000:00:06.0'}],
}
const IDLE_AT = Date.parse('2026-11-22T23:14:18Z')
const BUSY_AT = Date.parse('2026-11-22T23:14:43Z')

/** The fixture's readings where they were taken at another moment than the table's. */
function pinned(load: GpuLoad, readings: Partial<GpuSample>) {
  return (index: number) => ({...sampleGpu(gpuModelFacts('H100 SXM'), index, load), ...readings})
}

function smi(command: string, box: GpuBox, load: GpuLoad = 'idle', now = IDLE_AT, sample?: ReturnType<typeof pinned>) {
  return runNvidiaSmi(command.split(' ').slice(1), {box, load, now, ...(sample ? {sample} : {})})
}

const FULL_QUERY =
  'nvidia-smi --query-gpu=index,name,uuid,pci.bus_id,memory.total,memory.used,utilization.gpu,utilization.memory,temperature.gpu,power.draw,driver_version --format=csv'

describe('simulated nvidia-smi', () => {
  it('prints the real H100 outputs byte for byte when the box is that H100', () => {
    // Given the fixture's board, at the moments the fixtures were captured
    // Then every output matches what the real driver printed
    expect(smi('nvidia-smi', FIXTURE_H100)).toEqual({stdout: fixture('nvidia-smi.txt'), stderr: '', code: 0})
    expect(smi('nvidia-smi', FIXTURE_H100, 'busy', BUSY_AT).stdout).toBe(fixture('nvidia-smi-busy.txt'))
    expect(smi('nvidia-smi -L', FIXTURE_H100).stdout).toBe(fixture('nvidia-smi-L.txt'))
    const csvIdle = pinned('idle', {tempC: 29, powerW: 112.5})
    expect(smi(FULL_QUERY, FIXTURE_H100, 'idle', IDLE_AT, csvIdle).stdout).toBe(fixture('nvidia-smi-query.csv'))
    expect(smi(FULL_QUERY, FIXTURE_H100, 'busy', BUSY_AT, pinned('busy', {powerW: 665.09})).stdout).toBe(fixture('nvidia-smi-query-busy.csv'))
    expect(smi('nvidia-smi --query-gpu=index,name,memory.total,utilization.gpu --format=csv,noheader,nounits', FIXTURE_H100).stdout).toBe(
      fixture('nvidia-smi-query-noheader.csv'),
    )
    const xmlIdle = pinned('idle', {powerW: 71.26, avgPowerW: 101.69})
    expect(smi('nvidia-smi -q -x', FIXTURE_H100, 'idle', IDLE_AT, xmlIdle).stdout).toBe(fixture('nvidia-smi-q.xml'))
  })

  it('reports the rented model, count and VRAM in every output, in the fixture layout', () => {
    // Given a machine with two RTX 4090s, at another time
    const box = buildGpuBox({name: 'RTX 4090', count: 2, memoryMiB: 24564, layout: 'metal', rng: mulberry32(7)})
    const at = Date.parse('2027-03-05T07:08:09Z')

    // When the usual probes run
    const table = smi('nvidia-smi', box, 'idle', at).stdout
    const list = smi('nvidia-smi -L', box).stdout
    const csv = smi('nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader', box).stdout

    // Then each shows both GPUs as the driver names them, with distinct ids, dated by the clock
    expect(table.split('\n')[0]).toBe('Fri Mar  5 07:08:09 2027       ')
    expect(table).toContain('|   0  NVIDIA GeForce RTX 4090        Off |   00000000:01:00.0 Off |                  Off |')
    expect(table).toContain('|   1  NVIDIA GeForce RTX 4090        Off |   00000000:21:00.0 Off |                  Off |')
    expect(table).toContain('| 30%   34C    P8             21W /  450W |       1MiB /  24564MiB |      0%      Default |')
    const fixtureLines = fixture('nvidia-smi.txt').split('\n')
    for (const line of table.split('\n').slice(1).filter((l) => l !== '')) expect(line).toHaveLength(fixtureLines[1]!.length)
    expect(table.split('\n').slice(3, 8)).toEqual(fixtureLines.slice(3, 8))
    const uuids = [...list.matchAll(/^GPU (\d): NVIDIA GeForce RTX 4090 \(UUID: (GPU-[0-9a-f-]{36})\)$/gm)]
    expect(uuids.map((m) => m[1])).toEqual(['0', '1'])
    expect(new Set(uuids.map((m) => m[2])).size).toBe(2)
    expect(csv).toBe('0, NVIDIA GeForce RTX 4090, 24564 MiB\n1, NVIDIA GeForce RTX 4090, 24564 MiB\n')
    expect(smi('nvidia-smi --query-gpu=name --format=csv,noheader -i 1', box).stdout).toBe('NVIDIA GeForce RTX 4090\n')
    expect(smi('nvidia-smi -q -x', box).stdout.match(/<product_name>NVIDIA GeForce RTX 4090<\/product_name>/g)).toHaveLength(2)
  })

  it('names every marketed model so that it reads back as the model that was listed', () => {
    // Given every model either simulated marketplace lists
    const listed = [
      ...GPU_CATALOG.map((m) => ({name: m.gpuName, memoryMiB: m.gpuRamMiB as number | undefined})),
      ...TENSORDOCK_GPUS.map((m) => ({name: m.v0Name, memoryMiB: undefined})),
    ]
    for (const {name, memoryMiB} of listed) {
      // When its machine answers nvidia-smi
      const box = buildGpuBox({name, count: 1, memoryMiB, layout: 'vm', rng: mulberry32(1)})
      const [reported = '', mib = ''] = smi('nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits', box).stdout.trim().split(', ')

      // Then the reported name and VRAM are the listed model's, and the table is not the H100's
      const expected = normalizeGpuName(name, memoryMiB === undefined ? undefined : vramGbFromMib(memoryMiB))
      expect({name, reported: normalizeGpuName(reported, vramGbFromMib(Number(mib)))}).toEqual({name, reported: expected})
      expect(vramGbFromMib(Number(mib))).toBe(memoryMiB === undefined ? Number(/(\d+)gb$/.exec(name)![1]) : vramGbFromMib(memoryMiB))
      if (expected !== 'H100 80GB SXM') expect(smi('nvidia-smi', box).stdout).not.toContain('NVIDIA H100 80GB HBM3')
    }
  })

  it('refuses what the real one refuses', () => {
    expect(smi('nvidia-smi --query-gpu=bogus --format=csv', FIXTURE_H100)).toEqual({stdout: 'Field "bogus" is not a valid field to query.\n\n', stderr: '', code: 2})
    expect(smi('nvidia-smi --query-gpu=name', FIXTURE_H100).code).toBe(2)
    expect(smi('nvidia-smi --bogus', FIXTURE_H100).code).toBe(2)
    expect(smi('nvidia-smi -L -i 3', FIXTURE_H100)).toEqual({stdout: 'No devices were found\n', stderr: '', code: 6})
  })
})
