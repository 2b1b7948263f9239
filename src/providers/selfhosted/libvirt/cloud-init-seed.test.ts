import {execFileSync, spawnSync} from 'node:child_process'

import ssh2 from 'ssh2'
import {describe, expect, it} from 'vitest'

import {generateSessionKeyPair} from '../../../ssh/keys.js'
import {authorizedKeyLine, buildMetaData, buildNetworkConfig, buildNoCloudSeed, buildUserData, checkHostname, SLICE_USER} from './cloud-init-seed.js'
import {domainNameOf} from './domain-names.js'

const DOMAIN = domainNameOf('gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f')
const ED25519 = generateSessionKeyPair('alice@laptop').publicKey
const ECDSA = ssh2.utils.generateKeyPairSync('ecdsa', {bits: 256, comment: 'ci'}).public.trim()

// cloud-init reads these files with PyYAML; when it is here, check they mean what the JSON says.
const hasPyYaml = spawnSync('python3', ['-c', 'import yaml'], {stdio: 'ignore'}).status === 0
function asPyYaml(text: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)))'], {input: text, encoding: 'utf8'}))
}

function cloudConfigOf(userData: string): Record<string, unknown> {
  const [first, ...rest] = userData.split('\n')
  expect(first).toBe('#cloud-config')
  return JSON.parse(rest.join('\n')) as Record<string, unknown>
}

describe('user-data', () => {
  it('gives the gpu user passwordless sudo, bash and exactly the given keys, and root nothing', () => {
    // Given two of the session's keys
    // When the user-data is built
    const config = cloudConfigOf(buildUserData([ED25519, ECDSA]))

    // Then one user, gpu, holds both keys; root gets none and password logins are off
    expect(config).toEqual({
      users: [
        {
          name: SLICE_USER,
          shell: '/bin/bash',
          sudo: 'ALL=(ALL) NOPASSWD:ALL',
          lock_passwd: true,
          ssh_authorized_keys: [ED25519, ECDSA],
        },
      ],
      ssh_pwauth: false,
      disable_root: true,
    })
    expect(JSON.stringify(config)).not.toMatch(/"root"/)
  })

  it.runIf(hasPyYaml)('means the same to PyYAML, with a comment full of YAML and shell syntax', () => {
    const [type, blob] = ED25519.split(' ')
    const key = `${type} ${blob} it's: {a: [b]} # $(rm -rf /) \`x\` "q" é`
    const userData = buildUserData([key])
    expect(asPyYaml(userData)).toEqual(cloudConfigOf(userData))
    expect((cloudConfigOf(userData).users as {ssh_authorized_keys: string[]}[])[0]!.ssh_authorized_keys).toEqual([key])
  })

  it('needs at least one key', () => {
    expect(() => buildUserData([])).toThrow(/at least one SSH public key/)
  })
})

describe('authorizedKeyLine', () => {
  it('keeps a valid key with its comment, trimmed', () => {
    expect(authorizedKeyLine(`  ${ED25519}  \n`)).toBe(ED25519)
    const [type, blob] = ED25519.split(' ')
    expect(authorizedKeyLine(`${type} ${blob}`)).toBe(`${type} ${blob}`)
  })

  it.each([
    ['two keys in one', () => `${ED25519}\n${ECDSA}`, /one public key line/],
    ['a newline inside the comment', () => `${ED25519} a\nb`, /one public key line/],
    ['a carriage return inside the comment', () => `${ED25519} a\rb`, /not an OpenSSH public key|one line/],
    ['authorized_keys options in front', () => `command="/bin/sh" ${ED25519}`, /not an OpenSSH public key/],
    ['a control character in the comment', () => `${ED25519} bell\u0007`, /control characters/],
    ['a private key', () => generateSessionKeyPair('x').privateKey, /private key/],
    ['garbage', () => 'ssh-ed25519 AAAA-not-base64', /not an OpenSSH public key/],
    ['a DSA key', () => 'ssh-dss AAAAB3NzaC1kc3MAAACBAP', /DSA|not an OpenSSH/],
  ])('refuses %s', (_what, make, message) => {
    expect(() => authorizedKeyLine(make())).toThrow(message)
  })
})

describe('meta-data and network-config', () => {
  it('names the instance after the domain and the host as asked', () => {
    expect(JSON.parse(buildMetaData(DOMAIN, 'slice-0a1b2c3d4e5f'))).toEqual({'instance-id': DOMAIN, 'local-hostname': 'slice-0a1b2c3d4e5f'})
  })

  it.each(['', 'Slice', 'slice_1', '-slice', 'slice-', 'a'.repeat(64), 'a.b', 'slice 1'])('refuses %j as a hostname', (hostname) => {
    expect(() => checkHostname(hostname)).toThrow(/hostname/)
  })

  it('asks for DHCP on every Ethernet device by name', () => {
    expect(JSON.parse(buildNetworkConfig())).toEqual({version: 2, ethernets: {primary: {match: {name: 'e*'}, dhcp4: true}}})
  })

  it('puts network-config on the seed only when asked', () => {
    const spec = {domain: DOMAIN, hostname: 'slice-1', authorizedKeys: [ED25519]}
    expect(buildNoCloudSeed(spec).map((file) => file.name)).toEqual(['meta-data', 'user-data'])
    expect(buildNoCloudSeed({...spec, networkConfig: true}).map((file) => file.name)).toEqual(['meta-data', 'user-data', 'network-config'])
  })

  it.runIf(hasPyYaml)('are YAML that PyYAML reads as the same objects', () => {
    for (const file of buildNoCloudSeed({domain: DOMAIN, hostname: 'slice-1', authorizedKeys: [ED25519], networkConfig: true})) {
      expect(asPyYaml(file.content)).toEqual(file.name === 'user-data' ? cloudConfigOf(file.content) : JSON.parse(file.content))
    }
  })
})
