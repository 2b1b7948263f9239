import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, describe, expect, it} from 'vitest'

import {shellQuote} from '../../core/shell-quote.js'
import {authorizedKeysCommands, buildCreateBody, checkInstanceName, checkPublicKeys, MAX_NAME_LENGTH} from './tensordock-create-body.js'

const LOCATION = '1a779525-4c04-4f2c-aa45-58b47d54bb38'
const KEY_A = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJc0ffee alice@laptop'
/** A comment full of shell syntax: it must land in authorized_keys byte for byte and run nothing. */
const KEY_B = `ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ== bob's "key" $(touch PWNED) \`id\` ; rm -rf / \\n %s`

describe('buildCreateBody', () => {
  it('sends the documented body with a dedicated IP, a port 22 forward, the first key and every key via runcmd', () => {
    const body = buildCreateBody({
      offer: {locationId: LOCATION, v0Name: 'geforcertx4090-pcie-24gb', gpuCount: 2},
      name: 'gpu-shopper:dep1:sess1',
      image: 'ubuntu2204',
      deployment: {vcpus: 8, ramGb: 32, storageGb: 100},
      sshPublicKeys: [KEY_A, KEY_B],
    })
    expect(body).toEqual({
      data: {
        type: 'virtualmachine',
        attributes: {
          name: 'gpu-shopper:dep1:sess1',
          type: 'virtualmachine',
          image: 'ubuntu2204',
          location_id: LOCATION,
          resources: {vcpu_count: 8, ram_gb: 32, storage_gb: 100, gpus: {'geforcertx4090-pcie-24gb': {count: 2}}},
          useDedicatedIp: true,
          port_forwards: [{protocol: 'tcp', internal_port: 22, external_port: 22}],
          ssh_key: KEY_A,
          cloud_init: {runcmd: authorizedKeysCommands([KEY_A, KEY_B])},
        },
      },
    })
  })

  it('forwards each exposed port besides SSH, asking for the same number outside', () => {
    const body = buildCreateBody({
      offer: {locationId: LOCATION, v0Name: 'geforcertx4090-pcie-24gb', gpuCount: 1},
      name: 'n',
      image: 'debian12',
      deployment: {vcpus: 8, ramGb: 32, storageGb: 100},
      sshPublicKeys: [KEY_A],
      exposePorts: [8000, 6006],
    }) as {data: {attributes: Record<string, unknown>}}
    expect(body.data.attributes.port_forwards).toEqual([
      {protocol: 'tcp', internal_port: 22, external_port: 22},
      {protocol: 'tcp', internal_port: 8000, external_port: 8000},
      {protocol: 'tcp', internal_port: 6006, external_port: 6006},
    ])
    expect(body.data.attributes.image).toBe('debian12')
  })

  it('covers root and user, with ownership and sshd-approved modes', () => {
    const commands = authorizedKeysCommands([KEY_A])
    for (const dir of ['/root/.ssh', '/home/user/.ssh']) {
      expect(commands).toContain(`mkdir -p ${dir}`)
      expect(commands).toContain(`chmod 700 ${dir}`)
      expect(commands).toContain(`chmod 600 ${dir}/authorized_keys`)
      expect(commands.some((c) => c.includes(`>> ${dir}/authorized_keys`) && c.includes(shellQuote(KEY_A)))).toBe(true)
    }
    expect(commands).toContain('chown -R root:root /root/.ssh')
    expect(commands).toContain('chown -R user:user /home/user/.ssh')
  })
})

describe('authorizedKeysCommands in a real shell', () => {
  let dir: string | null = null
  afterEach(() => {
    if (dir) rmSync(dir, {recursive: true, force: true})
    dir = null
  })

  it('writes every key, byte for byte, and runs nothing from a comment', () => {
    // Given the commands pointed at a temp dir instead of / (chown needs the real users)
    dir = mkdtempSync(join(tmpdir(), 'td-cloud-init-'))
    const root = dir
    const commands = authorizedKeysCommands([KEY_A, KEY_B])
      .filter((c) => !c.startsWith('chown '))
      .map((c) => c.replaceAll('/root/', `${root}/root/`).replaceAll('/home/user/', `${root}/home/user/`))
    // When cloud-init runs them
    for (const c of commands) execFileSync('sh', ['-c', c], {cwd: root})

    // Then both users hold both keys, unchanged, with the modes sshd wants
    for (const home of ['root', 'home/user']) {
      const file = join(root, home, '.ssh', 'authorized_keys')
      expect(readFileSync(file, 'utf8')).toBe(`${KEY_A}\n${KEY_B}\n`)
      expect(statSync(file).mode & 0o777).toBe(0o600)
      expect(statSync(join(root, home, '.ssh')).mode & 0o777).toBe(0o700)
    }
    expect(() => statSync(join(root, 'PWNED'))).toThrow()
  })
})

describe('checkPublicKeys', () => {
  it('accepts OpenSSH public key lines, trimmed', () => {
    expect(checkPublicKeys([` ${KEY_A}\n`, 'ecdsa-sha2-nistp256 AAAAE2VjZHNh'])).toEqual({keys: [KEY_A, 'ecdsa-sha2-nistp256 AAAAE2VjZHNh']})
  })

  it.each([
    ['no keys', []],
    ['a private key', ['-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=\n-----END OPENSSH PRIVATE KEY-----']],
    ['two lines in one', [`${KEY_A}\n${KEY_A}`]],
    ['a control character', [`${KEY_A}\u0007`]],
    ['not a key', ['hello world']],
    ['an unknown type', ['ssh-foo AAAA']],
  ])('refuses %s', (_name, keys) => {
    expect(checkPublicKeys(keys)).toHaveProperty('problem')
  })
})

describe('checkInstanceName', () => {
  it('keeps labels intact: refuses rather than truncates', () => {
    expect(checkInstanceName('gpu-shopper:dep1:sess1')).toBeNull()
    expect(checkInstanceName('x'.repeat(MAX_NAME_LENGTH))).toBeNull()
    expect(checkInstanceName('x'.repeat(MAX_NAME_LENGTH + 1))).toMatch(/longer/)
    expect(checkInstanceName(' ')).toMatch(/empty/)
    expect(checkInstanceName('a\nb')).toMatch(/control/)
  })
})
