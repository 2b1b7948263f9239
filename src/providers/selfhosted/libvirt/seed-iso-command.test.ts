import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {generateSessionKeyPair} from '../../../ssh/keys.js'
import {buildNoCloudSeed} from './cloud-init-seed.js'
import {domainNameOf} from './domain-names.js'
import {NO_ISO_TOOL_EXIT, writeSeedIsoCommand} from './seed-iso-command.js'

const DOMAIN = domainNameOf('gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f')
const VOLUME = `${DOMAIN}-seed.iso`
const hasIsoTools = existsSync('/usr/bin/genisoimage') && existsSync('/usr/bin/isoinfo')

// A key whose comment would do damage if it ever reached a shell unquoted.
const KEY = `${generateSessionKeyPair('x').publicKey.split(' ').slice(0, 2).join(' ')} it's $(touch /tmp/pwned) \`id\``

// A stand-in for virsh on the node: logs its argv, says the old volume is not there, and for
// vol-upload keeps the uploaded file, so the test can open the ISO libvirt would have received.
const FAKE_VIRSH = `#!/bin/sh
printf '%s\\n' "$*" >> "$NODE/virsh.log"
case " $* " in
  *" vol-delete "*) echo "error: Storage volume not found: no storage vol with matching path" >&2; exit 1 ;;
  *" vol-upload "*) for last; do :; done; cp "$last" "$NODE/uploaded.iso" ;;
esac
`

let node: string
beforeEach(() => {
  node = mkdtempSync(join(tmpdir(), 'seed-iso-test-'))
  mkdirSync(join(node, 'bin'))
  mkdirSync(join(node, 'tmp'))
  writeFileSync(join(node, 'bin', 'virsh'), FAKE_VIRSH)
  chmodSync(join(node, 'bin', 'virsh'), 0o755)
})
afterEach(() => rmSync(node, {recursive: true, force: true}))

function seed(networkConfig = false) {
  const files = buildNoCloudSeed({domain: DOMAIN, hostname: 'slice-0a1b2c3d4e5f', authorizedKeys: [KEY], networkConfig})
  return {files, remote: writeSeedIsoCommand({uri: 'qemu:///system', pool: 'gpu-shopper', domain: DOMAIN, files})}
}

function runOnFakeNode(command: string, stdin: string, path: string) {
  return spawnSync('/bin/sh', ['-c', command], {input: stdin, encoding: 'utf8', env: {PATH: path, NODE: node, TMPDIR: join(node, 'tmp')}})
}

describe('writeSeedIsoCommand', () => {
  it('carries the files on stdin as one base64 line each, and nothing of them on the command line', () => {
    const {files, remote} = seed(true)
    expect(remote.volume).toBe(VOLUME)
    expect(remote.stdin.split('\n')).toHaveLength(files.length + 1)
    expect(remote.stdin.split('\n').slice(0, -1).map((line) => Buffer.from(line, 'base64').toString('utf8'))).toEqual(files.map((file) => file.content))
    expect(remote.command).not.toContain('touch')
    expect(remote.command).not.toContain('slice-0a1b2c3d4e5f')
    expect(remote.command.startsWith('sh -c ')).toBe(true)
  })

  it.skipIf(!hasIsoTools)(`builds a cidata ISO on the node and uploads it as the slice's seed volume${hasIsoTools ? '' : ' (SKIPPED: apt-get install genisoimage)'}`, () => {
    // Given the seed of a slice with a network-config, and a node with genisoimage
    const {files, remote} = seed(true)

    // When the command runs there
    const run = runOnFakeNode(remote.command, remote.stdin, `${join(node, 'bin')}:/usr/bin:/bin`)

    // Then it succeeded, replaced any old volume, created one of the ISO's size and uploaded it
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
    const iso = join(node, 'uploaded.iso')
    const size = readFileSync(iso).length
    expect(readFileSync(join(node, 'virsh.log'), 'utf8').split('\n')).toEqual([
      `-c qemu:///system vol-delete --pool gpu-shopper ${VOLUME}`,
      `-c qemu:///system vol-create-as gpu-shopper ${VOLUME} ${size} --format raw`,
      expect.stringMatching(new RegExp(`^-c qemu:///system vol-upload --pool gpu-shopper ${VOLUME} /.*/seed\\.iso$`)),
      '',
    ])

    // And the ISO is labelled cidata and holds each file, byte for byte, under its real name
    expect(execFileSync('isoinfo', ['-d', '-i', iso], {encoding: 'utf8'})).toMatch(/^Volume id: cidata$/m)
    for (const file of files) {
      expect(execFileSync('isoinfo', ['-J', '-x', `/${file.name}`, '-i', iso], {encoding: 'utf8'})).toBe(file.content)
      expect(execFileSync('isoinfo', ['-R', '-x', `/${file.name}`, '-i', iso], {encoding: 'utf8'})).toBe(file.content)
    }

    // And its scratch directory is gone, and the key's comment ran nothing
    expect(readdirSync(join(node, 'tmp'))).toEqual([])
    expect(existsSync('/tmp/pwned')).toBe(false)
  })

  it('says what to install when the node has no ISO tool, and leaves nothing behind', () => {
    // Given a node with only the basic tools: no genisoimage, mkisofs or xorrisofs
    const basic = join(node, 'basic')
    mkdirSync(basic)
    for (const tool of ['sh', 'mktemp', 'rm', 'base64']) symlinkSync(execFileSync('/bin/sh', ['-c', `command -v ${tool}`], {encoding: 'utf8'}).trim(), join(basic, tool))
    const {remote} = seed()

    // When the command runs there
    const run = runOnFakeNode(remote.command, remote.stdin, `${join(node, 'bin')}:${basic}`)

    // Then it stops with the agreed status and a fix, before touching libvirt
    expect(run.status).toBe(NO_ISO_TOOL_EXIT)
    expect(run.stderr).toMatch(/no genisoimage, mkisofs, xorrisofs on this node: install genisoimage/)
    expect(existsSync(join(node, 'virsh.log'))).toBe(false)
    expect(readdirSync(join(node, 'tmp'))).toEqual([])
  })

  it('refuses a seed without user-data, or with a file twice', () => {
    const {files} = seed()
    expect(() => writeSeedIsoCommand({uri: 'qemu:///system', pool: 'gpu-shopper', domain: DOMAIN, files: files.slice(0, 1)})).toThrow(/meta-data and user-data/)
    expect(() => writeSeedIsoCommand({uri: 'qemu:///system', pool: 'gpu-shopper', domain: DOMAIN, files: [...files, files[0]!]})).toThrow(/twice/)
    expect(() => writeSeedIsoCommand({uri: 'qemu:///system', pool: '-x', domain: DOMAIN, files})).toThrow(/pool name/)
  })
})
