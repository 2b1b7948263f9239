import {describe, expect, it} from 'vitest'

import {parseInstanceReadings, readingProblems} from './diagnostics.js'

const M = '--- gpu-shopper:'

/** What DIAGNOSTICS_COMMAND prints in a Vast.ai container whose training job ran out of memory. */
const CONTAINER_OOM = [
  `${M}gpus`,
  'NVIDIA GeForce RTX 4090, 23012, 24564, 97, 71',
  `${M}disk`,
  'Filesystem     1024-blocks     Used Available Capacity Mounted on',
  'overlay          52428800 49283072   3145728      95% /',
  `${M}memory`,
  '               total        used        free      shared  buff/cache   available',
  'Mem:           64214       63000         400          12         814         512',
  'Swap:              0           0           0',
  `${M}kernel`,
  'dmesg: read kernel buffer failed: Operation not permitted',
  `${M}cgroup`,
  'low 0',
  'high 0',
  'max 3',
  'oom 1',
  'oom_kill 1',
  `${M}log`,
  'epoch 3 step 1200 loss 0.41',
  'Killed',
  '',
].join('\n')

/** A TensorDock VM with no GPU driver loaded and a readable kernel log. */
const VM_NO_DRIVER = [
  `${M}gpus`,
  "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
  `${M}disk`,
  'Filesystem     1024-blocks    Used Available Capacity Mounted on',
  '/dev/vda1        102400000 5000000  97400000       5% /',
  `${M}memory`,
  '               total        used        free      shared  buff/cache   available',
  'Mem:           32000        1000       30000          10        1000       30900',
  `${M}kernel`,
  '[ 1234.5] Out of memory: Killed process 4242 (python3) total-vm:9000000kB, anon-rss:8000000kB',
  `${M}cgroup`,
  `${M}log`,
].join('\n')

describe('parseInstanceReadings', () => {
  it('reads a container: GPUs, disk and memory, the kernel log not readable but the cgroup counting an OOM kill, the log tail', () => {
    const r = parseInstanceReadings(CONTAINER_OOM)
    expect(r).toEqual({
      gpus: [{name: 'NVIDIA GeForce RTX 4090', memoryUsedMiB: 23012, memoryTotalMiB: 24564, utilizationPct: 97, temperatureC: 71}],
      gpuError: null,
      disk: {sizeGb: 50, usedGb: 47, availableGb: 3, usedPct: 95},
      memory: {totalMiB: 64214, usedMiB: 63000, availableMiB: 512},
      oomKernelLines: null,
      oomKills: 1,
      logTail: ['epoch 3 step 1200 loss 0.41', 'Killed'],
    })
    expect(readingProblems(r, 1)).toEqual([
      'the disk is 95% full (3 GB left)',
      'memory is nearly exhausted (512 MiB available of 64214)',
      'out of memory: 1 process(es) killed by the kernel',
    ])
  })

  it('reads a VM: nvidia-smi failing is said in its own words, the kernel log shows the OOM kill', () => {
    const r = parseInstanceReadings(VM_NO_DRIVER)
    expect(r.gpus).toBeNull()
    expect(r.gpuError).toMatch(/^NVIDIA-SMI has failed/)
    expect(r.oomKernelLines).toEqual(['[ 1234.5] Out of memory: Killed process 4242 (python3) total-vm:9000000kB, anon-rss:8000000kB'])
    expect(r.oomKills).toBeNull()
    expect(r.logTail).toEqual([])
    expect(readingProblems(r, 1)).toEqual([
      "nvidia-smi did not answer: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.",
      'out of memory: 1 process(es) killed by the kernel',
    ])
  })

  it('says nothing it did not read', () => {
    const r = parseInstanceReadings('')
    expect(r).toMatchObject({gpus: null, disk: null, memory: null, oomKills: null, logTail: []})
    expect(readingProblems({...r, gpus: []}, 0)).toEqual([])
  })
})
