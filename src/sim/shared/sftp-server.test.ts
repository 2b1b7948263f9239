import {randomBytes} from 'node:crypto'

import ssh2, {type SFTPWrapper} from 'ssh2'
import {afterEach, describe, expect, it} from 'vitest'

import {systemClock} from '../../core/clock.js'
import {generateSessionKeyPair} from '../../ssh/keys.js'
import {buildGpuBox} from './gpu-box.js'
import {generateHostKey} from './host-key.js'
import {MemoryFs} from './memory-fs.js'
import {mulberry32} from './prng.js'
import {type SshEndpoint, startSshEndpoint} from './ssh-endpoint.js'
import {connectSsh} from './ssh-test-client.js'

/** The simulated machine's SFTP subsystem, over a real SSH connection on loopback. */
describe('simulated SFTP', () => {
  let endpoint: SshEndpoint | undefined
  let client: ssh2.Client | undefined

  afterEach(async () => {
    client?.end()
    await endpoint?.close()
  })

  async function connectClient(user: string): Promise<ssh2.Client> {
    const key = generateSessionKeyPair('test')
    const hostKey = generateHostKey()
    endpoint = await startSshEndpoint({
      host: '127.0.0.1',
      hostKey: hostKey.privateKey,
      username: ['root', 'user'],
      authorizedKeys: () => [key.publicKey],
      shell: {
        hostname: 'sim',
        gpuLoad: () => 'idle',
        gpus: () => buildGpuBox({name: 'RTX 4090', count: 1, layout: 'vm', rng: mulberry32(1)}),
        now: () => Date.now(),
        fs: MemoryFs.standard(systemClock),
        hardware: {diskGb: 100, rootDevice: '/dev/vda1', memoryMiB: 32_768, cpus: 8},
      },
    })
    client = await connectSsh('127.0.0.1', endpoint.port, user, key.privateKey)
    return client
  }

  async function connect(user: string): Promise<SFTPWrapper> {
    const c = await connectClient(user)
    return new Promise((resolve, reject) => c.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))))
  }

  function exec(c: ssh2.Client, command: string): Promise<{stdout: Buffer; stderr: string; code: number | null}> {
    return new Promise((resolve, reject) => {
      c.exec(command, (error, stream) => {
        if (error) return reject(error)
        const out: Buffer[] = []
        let stderr = ''
        let code: number | null = null
        stream.on('data', (d: Buffer) => out.push(d))
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
        stream.on('exit', (n: number) => (code = n))
        stream.on('close', () => resolve({stdout: Buffer.concat(out), stderr, code}))
      })
    })
  }

  it('is one machine: what SFTP uploads the shell reads, and what the shell writes SFTP downloads', async () => {
    // Given a client with both an exec channel and SFTP on the same machine
    const c = await connectClient('user')
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => c.sftp((err, s) => (err ? reject(err) : resolve(s))))
    const payload = randomBytes(70_000)

    // When a binary file is uploaded, and the shell writes a file of its own
    await new Promise<void>((resolve, reject) => {
      const out = sftp.createWriteStream('model.bin')
      out.on('close', () => resolve())
      out.on('error', reject)
      out.end(payload)
    })
    const made = await exec(c, 'mkdir -p out && nvidia-smi -L > out/gpus.txt && ls')

    // Then the shell sees the upload byte for byte, and SFTP sees the shell's file
    expect(made).toEqual({stdout: Buffer.from('model.bin\nout\n'), stderr: '', code: 0})
    expect((await exec(c, 'cat ~/model.bin')).stdout.equals(payload)).toBe(true)
    expect((await exec(c, 'wc -c /home/user/model.bin')).stdout.toString()).toBe('70000 /home/user/model.bin\n')
    const listed = await call<ssh2.FileEntryWithStats[]>((cb) => sftp.readdir('/home/user/out', cb))
    expect(listed.map((e) => [e.filename, e.attrs.size])).toEqual([['gpus.txt', (await exec(c, 'nvidia-smi -L')).stdout.length]])
    await new Promise<void>((resolve, reject) => sftp.unlink('model.bin', (err) => (err ? reject(err) : resolve())))
    expect((await exec(c, 'cat model.bin')).stderr).toBe('cat: model.bin: No such file or directory\n')
  })

  const call = <T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))))

  it('stores a file written in parallel chunks and reads it back byte for byte', async () => {
    // Given a connected client as root
    const sftp = await connect('root')
    const payload = randomBytes(300_000)

    // When a file is written through a write stream and read back through a read stream
    await new Promise<void>((resolve, reject) => {
      const out = sftp.createWriteStream('data.bin')
      out.on('close', () => resolve())
      out.on('error', reject)
      out.end(payload)
    })
    const chunks: Buffer[] = []
    await new Promise<void>((resolve, reject) => {
      sftp.createReadStream('/root/data.bin').on('data', (c: Buffer) => chunks.push(c)).on('end', resolve).on('error', reject)
    })

    // Then the content, its size and its place under the home directory are right
    expect(Buffer.concat(chunks).equals(payload)).toBe(true)
    expect((await call<ssh2.Stats>((cb) => sftp.stat('/root/data.bin', cb))).size).toBe(payload.length)
    expect(await call<string>((cb) => sftp.realpath('.', cb))).toBe('/root')
    const listed = await call<ssh2.FileEntryWithStats[]>((cb) => sftp.readdir('/root', cb))
    expect(listed.map((e) => e.filename)).toEqual(['data.bin'])
  })

  it('resolves relative paths under /home/user for TensorDock\'s user and reports missing files', async () => {
    const sftp = await connect('user')
    expect(await call<string>((cb) => sftp.realpath('.', cb))).toBe('/home/user')
    await expect(call((cb) => sftp.stat('nope.txt', cb))).rejects.toThrow(/No such file/)
    await expect(call((cb) => sftp.open('/no/dir/file', 'w', cb))).rejects.toThrow(/No such file/)
  })
})
