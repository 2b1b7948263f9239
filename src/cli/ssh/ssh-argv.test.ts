import {execFileSync} from 'node:child_process'

import {describe, expect, it} from 'vitest'

import {shellJoin, shellQuote} from '../../core/shell-quote.js'
import {isForwardSpec, knownHostsLine, sshArgv} from './ssh-argv.js'

const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKh0st'

describe('sshArgv', () => {
  it('builds the exact argv for a Vast.ai session (root, high port)', () => {
    // Given a Vast session's endpoint and our key files
    const argv = sshArgv({host: '127.0.0.1', port: 40022, user: 'root', identityFile: '/d/keys/sess-1', knownHostsFile: '/d/known_hosts/sess-1'})
    // Then the key, port, pinning options and destination are all there, in order
    expect(argv).toEqual([
      '-i', '/d/keys/sess-1',
      '-p', '40022',
      '-o', 'IdentitiesOnly=yes',
      '-o', 'StrictHostKeyChecking=yes',
      '-o', 'UserKnownHostsFile=/d/known_hosts/sess-1',
      'root@127.0.0.1',
    ])
  })

  it('builds the exact argv for a TensorDock session with forwards and a command', () => {
    const argv = sshArgv({
      host: '10.0.0.5',
      port: 22,
      user: 'user',
      identityFile: '/k',
      knownHostsFile: '/kh',
      forwards: ['8888:localhost:8888', '6006:localhost:6006'],
      command: ['nvidia-smi', '--query-gpu=name'],
    })
    expect(argv).toEqual([
      '-i', '/k', '-p', '22',
      '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=yes', '-o', 'UserKnownHostsFile=/kh',
      '-L', '8888:localhost:8888', '-L', '6006:localhost:6006', '-o', 'ExitOnForwardFailure=yes',
      'user@10.0.0.5', '--', 'nvidia-smi', '--query-gpu=name',
    ])
  })

  it('forwards only, with no shell, when asked', () => {
    const argv = sshArgv({host: 'h', port: 22, user: 'root', identityFile: '/k', knownHostsFile: '/kh', forwards: ['127.0.0.1:8000:127.0.0.1:8000'], noShell: true})
    expect(argv.slice(-6)).toEqual(['-L', '127.0.0.1:8000:127.0.0.1:8000', '-o', 'ExitOnForwardFailure=yes', '-N', 'root@h'])
  })
})

describe('sshArgv through a node', () => {
  const base = {host: '192.168.122.7', port: 22, user: 'gpu', identityFile: '/k', knownHostsFile: '/kh'}

  it('logs in to the node with its own key and pins it with the same known_hosts file', () => {
    const argv = sshArgv({...base, jump: {kind: 'node', host: 'lab-1.example', port: 2222, user: 'ops', identityFile: '/node key', hostPublicKey: HOST_KEY}})
    expect(argv).toContain(
      "ProxyCommand=ssh -i '/node key' -p 2222 -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/kh -o BatchMode=yes -W '%h:%p' ops@lab-1.example",
    )
  })

  it("goes through the server's tunnel when the node key is the server's, quoting the command for ssh's shell", () => {
    const argv = sshArgv({...base, jump: {kind: 'server', command: ['/usr/bin/node', '/opt/gpu shopper/tunnel-main.js', 'sess-1', 'https://gpus.example.com']}})
    expect(argv).toContain("ProxyCommand=/usr/bin/node '/opt/gpu shopper/tunnel-main.js' sess-1 https://gpus.example.com")
    expect(argv.at(-1)).toBe('gpu@192.168.122.7')
  })
})

describe('knownHostsLine', () => {
  it('brackets a non-default port, as OpenSSH does', () => {
    expect(knownHostsLine('127.0.0.1', 40022, HOST_KEY)).toBe(`[127.0.0.1]:40022 ${HOST_KEY}`)
  })
  it('names port 22 by host alone and drops a comment', () => {
    expect(knownHostsLine('1.2.3.4', 22, `${HOST_KEY} some comment`)).toBe(`1.2.3.4 ${HOST_KEY}`)
  })
  it('refuses something that is not a key', () => {
    expect(() => knownHostsLine('h', 22, 'garbage')).toThrow(/not a host public key/)
  })
})

describe('isForwardSpec', () => {
  it('accepts ssh -L forms and refuses others', () => {
    expect(isForwardSpec('8888:localhost:8888')).toBe(true)
    expect(isForwardSpec('127.0.0.1:8888:localhost:8888')).toBe(true)
    expect(isForwardSpec('8888')).toBe(false)
    expect(isForwardSpec('8888:localhost')).toBe(false)
    expect(isForwardSpec('a;b:c:d')).toBe(false)
  })
})

describe('--print quoting', () => {
  it('leaves plain words bare and quotes the rest', () => {
    expect(shellQuote('/home/a/.local/share/gpu-shopper/keys/sess-1')).toBe('/home/a/.local/share/gpu-shopper/keys/sess-1')
    expect(shellQuote('UserKnownHostsFile=/x/y')).toBe('UserKnownHostsFile=/x/y')
    expect(shellQuote('/tmp/my keys/it\'s')).toBe(`'/tmp/my keys/it'\\''s'`)
    expect(shellQuote('')).toBe(`''`)
    expect(shellQuote('$HOME;rm')).toBe(`'$HOME;rm'`)
  })

  it('prints a line that bash reads back as the same argv', () => {
    // Given an argv with spaces, quotes, globs and $ in it
    const argv = ['-i', '/tmp/a dir/it\'s key', '-o', 'UserKnownHostsFile=/tmp/$x/*', 'user@h']
    // When bash parses the printed line
    const parsed = execFileSync('bash', ['-c', `printf '%s\\n' ${shellJoin(argv)}`], {encoding: 'utf8'})
    // Then it gets every argument back unchanged
    expect(parsed.split('\n').slice(0, -1)).toEqual(argv)
  })
})
