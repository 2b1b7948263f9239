import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {runShellCommand, type ShellContext} from './fake-shell.js'
import type {GpuBox} from './gpu-box.js'
import type {GpuLoad} from './nvidia-smi.js'

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures', 'nvidia-smi', name), 'utf8')

/** The board the fixtures were captured on, at the moment the idle table was. */
const H100: GpuBox = {
  name: 'H100 SXM',
  memoryMiB: 81559,
  driverVersion: '580.159.04',
  cudaVersion: '13.0',
  devices: [{uuid: 'GPU-97152b56-e740-8ed3-8e95-9d3f3ef0f426', serial: '1753124019172', busId: '00000000:00:06.0'}],
}
const AT = Date.parse('2026-11-22T23:14:18Z')

function host(load: GpuLoad = 'idle'): ShellContext {
  return {hostname: 'C.9000001', gpuLoad: () => load, gpus: () => H100, now: () => AT}
}

describe('the simulated host shell', () => {
  it('serves each nvidia-smi fixture for the query that produced it', () => {
    expect(runShellCommand('nvidia-smi', host()).stdout).toBe(fixture('nvidia-smi.txt'))
    expect(runShellCommand('nvidia-smi', host('busy')).stdout).toBe(fixture('nvidia-smi-busy.txt').replace('23:14:43', '23:14:18'))
    expect(runShellCommand('nvidia-smi --query-gpu=index,name,memory.total,utilization.gpu --format=csv,noheader,nounits', host()).stdout).toBe(
      fixture('nvidia-smi-query-noheader.csv'),
    )
  })

  it('formats other queries the way nvidia-smi does: units kept in the header even with nounits', () => {
    expect(runShellCommand('nvidia-smi --query-gpu=memory.used,power.draw --format=csv,nounits', host('busy')).stdout).toBe(
      'memory.used [MiB], power.draw [W]\n1395, 665.00\n',
    )
    expect(runShellCommand('nvidia-smi --query-gpu gpu_name --format csv,noheader', host()).stdout).toBe('NVIDIA H100 80GB HBM3\n')
    expect(runShellCommand('nvidia-smi --query-gpu=bogus --format=csv', host())).toEqual({stdout: 'Field "bogus" is not a valid field to query.\n\n', stderr: '', code: 2})
  })

  it('runs &&, || and ; with bash exit codes and quoting', () => {
    expect(runShellCommand("echo 'a  b' && false || echo \"c\"; true", host())).toEqual({stdout: 'a  b\nc\n', stderr: '', code: 0})
    expect(runShellCommand('false && echo never', host())).toEqual({stdout: '', stderr: '', code: 1})
    expect(runShellCommand('bash -c "hostname"', host()).stdout).toBe('C.9000001\n')
    expect(runShellCommand('htop', host())).toEqual({stdout: '', stderr: 'bash: htop: command not found\n', code: 127})
    expect(runShellCommand('echo "unclosed', host()).code).toBe(2)
  })

  it('answers as the logged-in user, and sudo runs as root (TensorDock\'s `user`)', () => {
    const ctx: ShellContext = {...host(), hostname: 'shopper-vm', user: 'user'}
    expect(runShellCommand('whoami && pwd', ctx).stdout).toBe('user\n/home/user\n')
    expect(runShellCommand('id', ctx).stdout).toBe('uid=1000(user) gid=1000(user) groups=1000(user),4(adm),27(sudo)\n')
    expect(runShellCommand('sudo whoami', ctx).stdout).toBe('root\n')
    expect(runShellCommand('sudo -n nvidia-smi -L', ctx).stdout).toBe(fixture('nvidia-smi-L.txt'))
    expect(runShellCommand('whoami', host()).stdout).toBe('root\n')
  })
})
