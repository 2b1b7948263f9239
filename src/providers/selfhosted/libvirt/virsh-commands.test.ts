import {execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {INSTANCE_METADATA_NAMESPACE} from './domain-metadata.js'
import {domainNameOf} from './domain-names.js'
import {
  checkPoolName,
  checkVolumeName,
  createOverlayCommand,
  defineCommand,
  destroyCommand,
  domIfAddrCommand,
  domStateCommand,
  dumpXmlCommand,
  listAllNamesCommand,
  metadataCommand,
  parseLibvirtUri,
  poolDumpXmlCommand,
  poolInfoCommand,
  poolRefreshCommand,
  shutdownCommand,
  startCommand,
  undefineCommand,
  volDeleteCommand,
  volListCommand,
  volPathCommand,
  volWipeCommand,
  type RemoteCommand,
} from './virsh-commands.js'

const URI = 'qemu:///system'
const DOMAIN = domainNameOf('gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f')
const V = 'env LC_ALL=C virsh -c qemu:///system'

// A stand-in for virsh on the node: prints the locale it got and its argv, NUL-separated, and
// echoes its stdin, so a test sees exactly what a node's shell would have run.
const bin = mkdtempSync(join(tmpdir(), 'virsh-commands-test-'))
writeFileSync(join(bin, 'virsh'), `#!/bin/sh\nprintf 'LC_ALL=%s\\0' "$LC_ALL"\nprintf '%s\\0' "$@"\nprintf 'stdin=%s' "$(cat)"\n`)
chmodSync(join(bin, 'virsh'), 0o755)
afterAll(() => rmSync(bin, {recursive: true, force: true}))

function runOnFakeNode(remote: RemoteCommand): {locale: string; argv: string[]; stdin: string} {
  const out = execFileSync('/bin/sh', ['-c', remote.command], {input: remote.stdin ?? '', encoding: 'utf8', env: {...process.env, PATH: `${bin}:${process.env.PATH}`, LC_ALL: 'de_DE.UTF-8'}})
  const parts = out.split('\0')
  return {locale: parts[0]!, argv: parts.slice(1, -1), stdin: parts.at(-1)!.replace(/^stdin=/, '')}
}

const EXPECTED: Array<[RemoteCommand, string]> = [
  [poolInfoCommand(URI, 'gpu-shopper'), `${V} pool-info gpu-shopper --bytes`],
  [poolDumpXmlCommand(URI, 'gpu-shopper'), `${V} pool-dumpxml gpu-shopper`],
  [poolRefreshCommand(URI, 'gpu-shopper'), `${V} pool-refresh gpu-shopper`],
  [volListCommand(URI, 'gpu-shopper'), `${V} vol-list gpu-shopper`],
  [volPathCommand(URI, 'gpu-shopper', `${DOMAIN}.qcow2`), `${V} vol-path --pool gpu-shopper ${DOMAIN}.qcow2`],
  [
    createOverlayCommand(URI, {pool: 'gpu-shopper', volume: `${DOMAIN}.qcow2`, sizeGiB: 200, baseVolume: 'ubuntu-24.04-cuda.qcow2'}),
    `${V} vol-create-as gpu-shopper ${DOMAIN}.qcow2 200G --format qcow2 --backing-vol ubuntu-24.04-cuda.qcow2 --backing-vol-format qcow2`,
  ],
  [startCommand(URI, DOMAIN), `${V} start ${DOMAIN}`],
  [domStateCommand(URI, DOMAIN), `${V} domstate ${DOMAIN} --reason`],
  [domIfAddrCommand(URI, DOMAIN, 'lease'), `${V} domifaddr ${DOMAIN} --source lease`],
  [domIfAddrCommand(URI, DOMAIN, 'agent'), `${V} domifaddr ${DOMAIN} --source agent`],
  [domIfAddrCommand(URI, DOMAIN, 'arp'), `${V} domifaddr ${DOMAIN} --source arp`],
  [shutdownCommand(URI, DOMAIN), `${V} shutdown ${DOMAIN}`],
  [destroyCommand(URI, DOMAIN), `${V} destroy ${DOMAIN}`],
  [undefineCommand(URI, DOMAIN), `${V} undefine ${DOMAIN} --nvram --managed-save --snapshots-metadata --checkpoints-metadata`],
  [volWipeCommand(URI, 'gpu-shopper', `${DOMAIN}.qcow2`), `${V} vol-wipe --pool gpu-shopper ${DOMAIN}.qcow2 --algorithm zero`],
  [volDeleteCommand(URI, 'gpu-shopper', `${DOMAIN}-seed.iso`), `${V} vol-delete --pool gpu-shopper ${DOMAIN}-seed.iso`],
  [listAllNamesCommand(URI), `${V} list --all --name`],
  [dumpXmlCommand(URI, DOMAIN), `${V} dumpxml ${DOMAIN}`],
  [metadataCommand(URI, DOMAIN), `${V} metadata ${DOMAIN} ${INSTANCE_METADATA_NAMESPACE}`],
]

describe('virsh commands', () => {
  it.each(EXPECTED.map(([remote, expected]) => ({remote, expected})))('$expected', ({remote, expected}) => {
    expect(remote.command).toBe(expected)
    expect(remote.stdin).toBeUndefined()
  })

  it('runs virsh under the C locale with exactly the argv it was built from', () => {
    // Given a node whose shell has a German locale
    // When the command runs there
    const seen = runOnFakeNode(undefineCommand(URI, DOMAIN))

    // Then virsh got LC_ALL=C and the argv unchanged
    expect(seen.locale).toBe('LC_ALL=C')
    expect(seen.argv).toEqual(['-c', URI, 'undefine', DOMAIN, '--nvram', '--managed-save', '--snapshots-metadata', '--checkpoints-metadata'])
  })

  it('sends the domain XML on stdin, never on the command line', () => {
    const xml = `<domain type='kvm'><name>$(reboot)</name><!-- ' " \` --></domain>\n`
    const remote = defineCommand('qemu:///session', xml)
    expect(remote.command).toBe('env LC_ALL=C virsh -c qemu:///session define /dev/stdin')
    const seen = runOnFakeNode(remote)
    expect(seen.argv).toEqual(['-c', 'qemu:///session', 'define', '/dev/stdin'])
    expect(seen.stdin).toBe(xml.trimEnd())
  })

  it.each([
    ['a URI off the list', () => parseLibvirtUri('qemu+ssh://root@evil/system'), /not one of qemu:\/\/\/system, qemu:\/\/\/session/],
    ['a test URI', () => poolInfoCommand('test:///default' as never, 'p'), /not one of/],
    ['a pool name that is an option', () => poolInfoCommand(URI, '--all'), /storage pool name/],
    ['a pool name with a space', () => volListCommand(URI, 'my pool'), /storage pool name/],
    ['a volume name that climbs', () => checkVolumeName('..'), /volume name/],
    ['a volume name with a slash', () => volDeleteCommand(URI, 'p', 'a/b.qcow2'), /volume name/],
    ['a base volume that is an option', () => createOverlayCommand(URI, {pool: 'p', volume: 'v.qcow2', sizeGiB: 10, baseVolume: '-x'}), /volume name/],
    ['a fractional size', () => createOverlayCommand(URI, {pool: 'p', volume: 'v.qcow2', sizeGiB: 1.5, baseVolume: 'b.qcow2'}), /whole number of GiB/],
    ['a zero size', () => createOverlayCommand(URI, {pool: 'p', volume: 'v.qcow2', sizeGiB: 0, baseVolume: 'b.qcow2'}), /whole number of GiB/],
    ['a domain that is not ours', () => destroyCommand(URI, 'default' as never), /not a gpu-shopper domain name/],
    ['an unknown address source', () => domIfAddrCommand(URI, DOMAIN, 'dns' as never), /address source/],
  ])('refuses %s', (_what, make, message) => {
    expect(make).toThrow(message)
  })

  it('accepts the pool and volume names nodes really use', () => {
    expect(checkPoolName('default')).toBe('default')
    expect(checkPoolName('gpu-shopper')).toBe('gpu-shopper')
    expect(checkVolumeName('debian-12-generic-amd64+cuda_12.4.qcow2')).toBe('debian-12-generic-amd64+cuda_12.4.qcow2')
  })
})
