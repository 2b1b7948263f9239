import {spawn, execFileSync, type ChildProcess} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'

/**
 * A real OpenSSH server on 127.0.0.1 playing a self-hosted node: its own host key, one
 * authorised client key, nothing else. It logs in as the user running the tests (root in CI,
 * so libvirt's system connection is reachable through it as on a real node).
 */
export interface LoopbackSshd {
  host: '127.0.0.1'
  port: number
  user: string
  /** The client's private key file, mode 0600: what `nodes add --identity-file` is given. */
  identityFile: string
  /** `SHA256:...` of the server's host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string
  /** Replaces the host key and restarts the server: the node "was reinstalled". */
  rotateHostKey(): Promise<void>
  stop(): Promise<void>
}

const SSHD = '/usr/sbin/sshd'

export async function startLoopbackSshd(): Promise<LoopbackSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-shopper-sshd-'))
  // sshd's privilege separation needs its empty directory even when it never drops to it.
  mkdirSync('/run/sshd', {recursive: true, mode: 0o755})
  const identityFile = join(dir, 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gpu-shopper-test', '-f', identityFile])
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${identityFile}.pub`))
  chmodSync(join(dir, 'authorized_keys'), 0o600)
  const port = await freePort()
  const hostKeyFile = join(dir, 'host_ed25519')
  const makeHostKey = () => {
    rmSync(hostKeyFile, {force: true})
    rmSync(`${hostKeyFile}.pub`, {force: true})
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKeyFile])
  }
  makeHostKey()
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  )
  let child: ChildProcess = await launch(dir, port)
  const fingerprint = () => execFileSync('ssh-keygen', ['-lf', `${hostKeyFile}.pub`], {encoding: 'utf8'}).split(' ')[1]!
  const sshd: LoopbackSshd = {
    host: '127.0.0.1',
    port,
    user: userInfo().username,
    identityFile,
    hostKeyFingerprint: fingerprint(),
    async rotateHostKey() {
      await stopChild(child)
      makeHostKey()
      child = await launch(dir, port)
      sshd.hostKeyFingerprint = fingerprint()
    },
    async stop() {
      await stopChild(child)
      rmSync(dir, {recursive: true, force: true, maxRetries: 10})
    },
  }
  return sshd
}

/** Starts sshd in the foreground and resolves once it listens (it says so on stderr with -e). */
function launch(dir: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSHD, ['-D', '-e', '-o', 'LogLevel=INFO', '-f', join(dir, 'sshd_config')], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    const timer = setTimeout(() => reject(new Error(`sshd did not start listening on ${port}: ${stderr}`)), 10_000)
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes(`port ${port}`)) {
        clearTimeout(timer)
        resolve(child)
      }
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`sshd exited with ${code}: ${stderr}`))
    })
  })
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.removeAllListeners('exit')
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}
