import {describe, expect, it} from 'vitest'

import {ManualClock} from '../../core/clock.js'
import {runShellCommand, type ShellContext} from './fake-shell.js'
import {newMachine, type SimMachine} from './machine.js'
import {CGROUP_MEMORY_EVENTS, recordOomKill} from './oom-kill.js'
import {mulberry32} from './prng.js'

const AT = Date.parse('2026-12-04T10:00:00Z')

function machine(): SimMachine {
  return newMachine({name: 'RTX 4090', count: 1, memoryMiB: 24_564, layout: 'metal', rng: mulberry32(7)}, new ManualClock(AT), 'C.1')
}

function shell(m: SimMachine, container: boolean): ShellContext {
  return {
    hostname: 'C.1',
    gpuLoad: () => 'idle',
    gpus: () => m.gpus,
    now: () => AT,
    fs: m.fs,
    hardware: {diskGb: 50, rootDevice: container ? 'overlay' : '/dev/vda1', memoryMiB: 65_536, cpus: 16},
    kernelLog: () => (container ? null : m.kernelLog),
  }
}

describe('an OOM kill on a simulated machine', () => {
  it('is in a VM\'s kernel log, and dmesg reads it', () => {
    const m = machine()
    expect(runShellCommand('dmesg', shell(m, false))).toEqual({stdout: '', stderr: '', code: 0})
    m.fs.mkdir('/root/.gpu-shopper', {parents: true})
    m.fs.writeFile('/root/.gpu-shopper/workload.log', Buffer.from('step 1\n'))
    recordOomKill(m, {pid: 4242, processName: 'python3', at: AT + 90_500, bootedAt: AT, container: false, logPaths: ['/root/.gpu-shopper/workload.log']})
    const dmesg = runShellCommand("dmesg | grep -iE 'killed process'", shell(m, false))
    expect(dmesg.stdout).toMatch(/^\[ {3}90\.500000\] Out of memory: Killed process 4242 \(python3\) total-vm:\d+kB, anon-rss:\d+kB/)
    expect(runShellCommand('tail -n 1 /root/.gpu-shopper/workload.log', shell(m, false)).stdout).toBe('Killed\n')
    expect(runShellCommand(`cat ${CGROUP_MEMORY_EVENTS}`, shell(m, false)).code).toBe(1)
  })

  it('is counted by a container\'s cgroup, whose dmesg is not permitted', () => {
    const m = machine()
    recordOomKill(m, {pid: 200, processName: 'vllm', at: AT, bootedAt: AT, container: true, logPaths: []})
    recordOomKill(m, {pid: 237, processName: 'vllm', at: AT, bootedAt: AT, container: true, logPaths: []})
    expect(runShellCommand('dmesg', shell(m, true))).toEqual({stdout: '', stderr: 'dmesg: read kernel buffer failed: Operation not permitted\n', code: 1})
    expect(runShellCommand(`cat ${CGROUP_MEMORY_EVENTS}`, shell(m, true)).stdout).toContain('oom_kill 2\n')
  })
})
