import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {allGpusIdle, parseGpuUtilization} from './gpu-utilization.js'

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'nvidia-smi', name), 'utf8')

describe('parseGpuUtilization', () => {
  it('reads the real idle and busy H100 query outputs by column name', () => {
    expect(parseGpuUtilization(fixture('nvidia-smi-query.csv'))).toEqual([{index: 0, utilizationPct: 0, memoryUsedMib: 0}])
    expect(parseGpuUtilization(fixture('nvidia-smi-query-busy.csv'))).toEqual([{index: 0, utilizationPct: 100, memoryUsedMib: 1395}])
  })

  it('reads our own query with and without header and units, over several GPUs', () => {
    const withHeader = 'index, utilization.gpu [%], memory.used [MiB]\n0, 3 %, 10 MiB\n1, 97 %, 70000 MiB\n'
    expect(parseGpuUtilization(withHeader).map((g) => g.utilizationPct)).toEqual([3, 97])
    expect(parseGpuUtilization('index, utilization.gpu [%], memory.used [MiB]\n0, 3, 10\n')[0]).toEqual({index: 0, utilizationPct: 3, memoryUsedMib: 10})
    expect(parseGpuUtilization('0, 0, 0\n1, 12, 400\n')).toEqual([
      {index: 0, utilizationPct: 0, memoryUsedMib: 0},
      {index: 1, utilizationPct: 12, memoryUsedMib: 400},
    ])
  })

  it('refuses what is not a reading rather than calling a broken GPU idle', () => {
    expect(() => parseGpuUtilization('')).toThrow(/nothing/)
    expect(() => parseGpuUtilization('index, utilization.gpu [%]\n0, [GPU is lost]\n')).toThrow(/cannot read/)
    expect(() => parseGpuUtilization(fixture('nvidia-smi.txt'))).toThrow()
  })
})

describe('allGpusIdle', () => {
  it('is idle only when every GPU is below the threshold', () => {
    const gpu = (utilizationPct: number, index = 0) => ({index, utilizationPct, memoryUsedMib: null})
    expect(allGpusIdle([gpu(0), gpu(4, 1)], 5)).toBe(true)
    expect(allGpusIdle([gpu(0), gpu(5, 1)], 5)).toBe(false)
    expect(allGpusIdle([], 5)).toBe(false)
  })
})
