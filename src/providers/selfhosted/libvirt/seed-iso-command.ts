import type {SeedFile} from './cloud-init-seed.js'
import {seedVolumeOf, type DomainName} from './domain-names.js'
import {command} from '../../../core/shell-quote.js'
import {checkPoolName, parseLibvirtUri, virsh, type LibvirtUri, type RemoteCommand} from './virsh-commands.js'

/**
 * One command that turns the seed files into the slice's `-seed.iso` volume. The files travel on
 * stdin, one base64 line each, so nothing of their content (SSH key comments, hostnames) is
 * ever part of a command line, a process list or a shell parse. On the node: decode into a
 * fresh `mktemp -d`, build an ISO labelled `cidata` with whichever mkisofs-compatible tool is
 * installed, then hand it to libvirt with `vol-create-as` + `vol-upload`. Going through
 * libvirt rather than writing into the pool's directory means the SSH user needs no write
 * access there (it is root's on most nodes) and libvirt's view of the pool stays current.
 */

/** Exit status when no ISO tool is installed, so the caller can say what to install. */
export const NO_ISO_TOOL_EXIT = 127

const ISO_TOOLS = ['genisoimage', 'mkisofs', 'xorrisofs']

export interface SeedIsoCommandSpec {
  uri: LibvirtUri
  pool: string
  domain: DomainName
  files: readonly SeedFile[]
}

export function writeSeedIsoCommand(spec: SeedIsoCommandSpec): RemoteCommand & {volume: string; stdin: string} {
  const uri = parseLibvirtUri(spec.uri)
  const pool = checkPoolName(spec.pool)
  const volume = seedVolumeOf(spec.domain)
  const names = spec.files.map((file) => file.name)
  if (!names.includes('meta-data') || !names.includes('user-data')) throw new Error('a NoCloud seed needs meta-data and user-data')
  if (new Set(names).size !== names.length) throw new Error('a seed file is listed twice')
  // Names are a closed set ('meta-data', 'user-data', 'network-config'), checked again here
  // because they become paths inside the script.
  for (const name of names) if (!/^[a-z-]+$/.test(name)) throw new Error(`seed file name ${JSON.stringify(name)} is not allowed`)

  const variables = names.map((_, index) => `f${index}`)
  const script = [
    'set -eu',
    'export LC_ALL=C',
    'd=$(mktemp -d)',
    `trap 'rm -rf "$d"' EXIT`,
    ...variables.map((variable) => `IFS= read -r ${variable}`),
    ...names.map((name, index) => `printf '%s' "$${variables[index]}" | base64 -d > "$d/${name}"`),
    'tool=',
    `for t in ${ISO_TOOLS.join(' ')}; do if command -v "$t" >/dev/null 2>&1; then tool=$t; break; fi; done`,
    `if [ -z "$tool" ]; then echo 'no ${ISO_TOOLS.join(', ')} on this node: install genisoimage (apt) or xorriso (dnf)' >&2; exit ${NO_ISO_TOOL_EXIT}; fi`,
    // -J and -r: Joliet and Rock Ridge names, so every guest sees `user-data`, not `USER_DAT.;1`.
    `"$tool" -quiet -o "$d/seed.iso" -V cidata -J -r ${names.map((name) => `"$d/${name}"`).join(' ')}`,
    // A retry after a crash finds the half-made volume of this same slice: replace it.
    `${virsh(uri, 'vol-delete', '--pool', pool, volume)} >/dev/null 2>&1 || true`,
    // wc pads with spaces on some systems; virsh wants a bare byte count.
    `size=$(wc -c < "$d/seed.iso" | tr -d ' ')`,
    `${virsh(uri, 'vol-create-as', pool, volume)} "$size" --format raw`,
    `${virsh(uri, 'vol-upload', '--pool', pool, volume)} "$d/seed.iso"`,
  ].join('\n')
  const stdin = spec.files.map((file) => `${Buffer.from(file.content, 'utf8').toString('base64')}\n`).join('')
  return {command: command('sh', '-c', script), stdin, volume}
}
