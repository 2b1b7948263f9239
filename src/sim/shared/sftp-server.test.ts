import {randomBytes} from 'node:crypto'

import ssh2, {type SFTPWrapper} from 'ssh2'
import {afterEach, describe, expect, it} from 'vitest'

import {generateSessionKeyPair} from '../../ssh/keys.js'
import {buildGpuBox} from './gpu-box.js'
import {generateHostKey} from './host-key.js'
import {mulberry32} from './prng.js'
import {type SshEndpoint, startSshEndpoint} from './ssh-endpoint.js'

/** The simulated machine's SFTP subsystem, over a real SSH connection on loopback. */
describe('simulated SFTP', () => {
  let endpoint: SshEndpoint | undefined
  let client: ssh2.Client | undefined

  afterEach(async () => {
    client?.end()
    await endpoint?.close()
  })

  async function connect(user: string): Promise<SFTPWrapper> {
    const key = generateSessionKeyPair('test')
    const hostKey = generateHostKey()
    endpoint = await startSshEndpoint({
      host: '127.0.0.1',
      hostKey: hostKey.privateKey,
      username: ['root', 'user'],
      authorizedKeys: () => [key.publicKey],
      shell: {hostname: 'sim', gpuLoad: () => 'idle', gpus: () => buildGpuBox({name: 'RTX 4090', count: 1, layout: 'vm', rng: mulberry32(1)}), now: () => Date.now()},
    })
    const c = new ssh2.Client()
    client = c
    return new Promise((resolve, reject) => {
      c.on('error', reject)
      c.on('ready', () => c.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))))
      c.connect({host: '127.0.0.1', port: endpoint!.port, username: user, privateKey: key.privateKey, hostVerifier: () => true})
    })
  }

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
