import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {packageRoot} from '../../config/paths.js'
import {ManualClock} from '../../core/clock.js'
import {newShellSession, OS_RELEASE, runShellCommand, type ShellContext} from './fake-shell.js'
import type {GpuBox} from './gpu-box.js'
import {MemoryFs} from './memory-fs.js'
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

/** A fresh machine: its own disk, an H100, 20 GB of disk and 64 GiB of memory. */
function host(load: GpuLoad = 'idle', fs = MemoryFs.standard(new ManualClock(AT), {'/etc/os-release': OS_RELEASE})): ShellContext {
  return {
    hostname: 'C.9000001',
    gpuLoad: () => load,
    gpus: () => H100,
    now: () => AT,
    fs,
    hardware: {diskGb: 20, rootDevice: 'overlay', memoryMiB: 65_536, cpus: 16},
  }
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
    expect(runShellCommand('false && echo never || echo instead', host()).stdout).toBe('instead\n')
    expect(runShellCommand('bash -c "hostname"', host()).stdout).toBe('C.9000001\n')
    expect(runShellCommand('echo "unclosed', host()).code).toBe(2)
    expect(runShellCommand('echo one; exit 3; echo never', host())).toEqual({stdout: 'one\n', stderr: '', code: 3})
  })

  it('says plainly that anything else is not on this simulated instance, with exit 127', () => {
    expect(runShellCommand('htop', host())).toEqual({stdout: '', stderr: 'htop: not available on this simulated instance\n', code: 127})
    expect(runShellCommand('python3 train.py | tee log.txt', host()).code).toBe(127)
    expect(runShellCommand('vim notes.txt || echo fallback', host())).toEqual({
      stdout: 'fallback\n',
      stderr: 'vim: not available on this simulated instance\n',
      code: 0,
    })
  })

  it('answers as the logged-in user, and sudo runs as root (TensorDock\'s `user`)', () => {
    const ctx: ShellContext = {...host(), hostname: 'shopper-vm', user: 'user'}
    expect(runShellCommand('whoami && pwd', ctx).stdout).toBe('user\n/home/user\n')
    expect(runShellCommand('id', ctx).stdout).toBe('uid=1000(user) gid=1000(user) groups=1000(user),4(adm),27(sudo)\n')
    expect(runShellCommand('sudo whoami', ctx).stdout).toBe('root\n')
    expect(runShellCommand('sudo -n nvidia-smi -L', ctx).stdout).toBe(fixture('nvidia-smi-L.txt'))
    expect(runShellCommand('echo $HOME $USER', ctx).stdout).toBe('/home/user user\n')
    expect(runShellCommand('whoami', host()).stdout).toBe('root\n')
  })

  it('works on the machine\'s one disk: files, directories, cd, redirections and pipes', () => {
    // Given one machine and one shell session on it
    const ctx = host()
    const session = newShellSession(ctx)
    const run = (line: string) => runShellCommand(line, ctx, session)

    // When a user makes a project, writes to it and moves around
    expect(run('mkdir -p /workspace/run/logs && cd /workspace/run && pwd')).toEqual({stdout: '/workspace/run\n', stderr: '', code: 0})
    expect(run('echo "epoch 1" > logs/train.log && echo "epoch 2" >> logs/train.log')).toEqual({stdout: '', stderr: '', code: 0})
    expect(run('touch a.txt b.txt notes.md')).toEqual({stdout: '', stderr: '', code: 0})

    // Then later lines see what earlier ones wrote, relative to where cd left them
    expect(run('cat logs/train.log').stdout).toBe('epoch 1\nepoch 2\n')
    expect(run('cat < logs/train.log | grep 2').stdout).toBe('epoch 2\n')
    expect(run('wc -l < logs/train.log').stdout).toBe('2\n')
    expect(run('ls').stdout).toBe('a.txt\nb.txt\nlogs\nnotes.md\n')
    expect(run('ls *.txt').stdout).toBe('a.txt\nb.txt\n')
    expect(run('ls -l logs').stdout).toBe('total 4\n-rw-r--r-- 1 root root       16 Nov 22 23:14 train.log\n')
    expect(run('cd logs && echo $PWD && cd .. && pwd').stdout).toBe('/workspace/run/logs\n/workspace/run\n')
    expect(run('nvidia-smi -L | grep -c GPU').stdout).toBe('1\n')
    expect(run("printf 'a\\nb\\nc\\n' | tail -n 1").stdout).toBe('c\n')
    expect(run('cat /etc/os-release | head -1').stdout).toBe('PRETTY_NAME="Ubuntu 22.04.5 LTS"\n')
    expect(run('cp logs/train.log copy.log && mv copy.log moved.log && cat moved.log | wc -l').stdout).toBe('2\n')

    // And removing works, with the real tools' complaints
    expect(run('rm logs')).toEqual({stdout: '', stderr: "rm: cannot remove 'logs': Is a directory\n", code: 1})
    expect(run('rm -rf logs a.txt && ls').stdout).toBe('b.txt\nmoved.log\nnotes.md\n')
    expect(run('cat logs/train.log')).toEqual({stdout: '', stderr: 'cat: logs/train.log: No such file or directory\n', code: 1})
    expect(run('cd /nowhere')).toEqual({stdout: '', stderr: 'bash: cd: /nowhere: No such file or directory\n', code: 1})
    expect(run('echo x > /no/such/dir/file')).toEqual({stdout: '', stderr: 'bash: /no/such/dir/file: No such file or directory\n', code: 1})
    expect(run('mkdir b.txt').stderr).toBe('mkdir: cannot create directory ‘b.txt’: File exists\n')
    expect(run('ls /nope 2>/dev/null; echo $?').stdout).toBe('2\n')
    expect(run('ls /nope 2>&1').stdout).toBe("ls: cannot access '/nope': No such file or directory\n")
    expect(run('cat <<EOF > notes.md\nin $HOME\nEOF\ncat <<\'END\' notes.md -\nliteral $HOME\nEND').stdout).toBe('in /root\nliteral $HOME\n')

    // And another session on the same machine sees the same files, from its own home
    expect(runShellCommand('pwd && cat /workspace/run/moved.log', ctx).stdout).toBe('/root\nepoch 1\nepoch 2\n')
  })

  it('reports the machine\'s disk and memory, and the disk fills up', () => {
    const ctx = host('idle', new MemoryFs(new ManualClock(AT), 1024))
    expect(runShellCommand('df -h', ctx).stdout).toBe('Filesystem      Size  Used Avail Use% Mounted on\noverlay          20G  4.2G   16G  22% /\n')
    expect(runShellCommand('free -m', ctx).stdout.split('\n')[1]).toMatch(/^Mem: +65536 +\d+ +\d+ +\d+ +\d+ +\d+$/)
    expect(runShellCommand('uname -a', ctx).stdout).toMatch(/^Linux C\.9000001 .* x86_64 GNU\/Linux\n$/)
    expect(runShellCommand('mkdir /data && printf 12345678 > /data/a', ctx).code).toBe(0)
    const full = runShellCommand(`echo ${'x'.repeat(2000)} > /data/big`, ctx)
    expect(full).toEqual({stdout: '', stderr: 'bash: /data/big: No space left on device\n', code: 1})
  })

  it('sends a list ended by & to the background: it runs in a subshell, and the line goes on with status 0', () => {
    const ctx = host()
    const session = newShellSession(ctx)
    const run = (line: string) => runShellCommand(line, ctx, session)

    // A background and-or list runs whole, its redirects included, and leaves $? at 0
    expect(run('mkdir -p /tmp/job && echo started > /tmp/job/out &')).toEqual({stdout: '', stderr: '', code: 0})
    expect(run('cat /tmp/job/out')).toEqual({stdout: 'started\n', stderr: '', code: 0})
    expect(run('false & echo $?')).toEqual({stdout: '0\n', stderr: '', code: 0})
    expect(run('ls /nope & echo after').stdout).toBe('after\n')
    // Its cd, variables and exit stay in its subshell
    expect(run('cd /tmp & X=1 & exit 3 & pwd; echo "x=$X"')).toEqual({stdout: '/root\nx=\n', stderr: '', code: 0})
    // Only what ran before a failing && is done, as in bash
    expect(run('mkdir /tmp/job 2>/dev/null && echo again > /tmp/job/out &').code).toBe(0)
    expect(run('cat /tmp/job/out').stdout).toBe('started\n')
    // A stray & is bash's syntax error, and nothing on the line runs
    expect(run('echo never > /tmp/never; & echo x')).toEqual({stdout: '', stderr: "bash: syntax error near unexpected token `&'\n", code: 2})
    expect(run('ls /tmp').stdout).toBe('job\n')
  })

  it('runs nohup and env COMMAND with the given variables, and VAR=value before a command for that command only', () => {
    const ctx = host()
    const session = newShellSession(ctx)
    const run = (line: string) => runShellCommand(line, ctx, session)
    expect(run("nohup env 'HF_TOKEN=abc' 'FOO=b a r' sh -c 'echo \"$HF_TOKEN|$FOO\"'")).toEqual({stdout: 'abc|b a r\n', stderr: '', code: 0})
    expect(run('echo "[$HF_TOKEN]"').stdout).toBe('[]\n')
    expect(run('env -u HOME printenv HOME')).toEqual({stdout: '', stderr: '', code: 1})
    expect(run('env -i A=1 env')).toEqual({stdout: 'A=1\n', stderr: '', code: 0})
    expect(run('env B=2').stdout).toContain('\nB=2\n')
    expect(run('FOO=1 printenv FOO && echo "after=$FOO"').stdout).toBe('1\nafter=\n')
    expect(run('nohup')).toEqual({stdout: '', stderr: "nohup: missing operand\nTry 'nohup --help' for more information.\n", code: 125})
    expect(run('nohup htop').code).toBe(127)
  })

  it('reads and writes /dev/null as the device, though it is not a file on the disk', () => {
    const ctx = host()
    expect(runShellCommand('cat < /dev/null | wc -c', ctx).stdout).toBe('0\n')
    expect(runShellCommand('cat /dev/null && echo x > /dev/null 2>/dev/null && ls /nope 2>/dev/null </dev/null', ctx)).toEqual({stdout: '', stderr: '', code: 2})
  })

  it('knows vllm and text-generation-launcher only on images that ship them', () => {
    const plain: ShellContext = host()
    expect(runShellCommand("vllm serve 'org/m' --port 8000", plain)).toEqual({stdout: '', stderr: 'bash: vllm: command not found\n', code: 127})
    expect(runShellCommand('nohup sh -c "text-generation-launcher --model-id org/m" &', plain).code).toBe(0)
    expect(runShellCommand('text-generation-launcher --model-id org/m', plain)).toEqual({stdout: '', stderr: 'bash: text-generation-launcher: command not found\n', code: 127})
    expect(runShellCommand('which nohup vllm', plain)).toEqual({stdout: '/usr/bin/nohup\n', stderr: '', code: 1})
  })
})
