import {INSTANCE_METADATA_NAMESPACE} from './domain-metadata.js'
import {parseDomainName, type DomainName} from './domain-names.js'
import {LIBVIRT_URIS, type LibvirtUri} from '../../../core/node.js'
import {command, type ShellCommand} from '../../../core/shell-quote.js'

/**
 * The exact command lines the daemon runs on a node. Every piece is either a constant, a
 * validated identifier or a quoted argument: nothing a user typed is ever spliced in. virsh
 * always runs under LC_ALL=C because it translates its output (`domstate` says `laufend` on
 * a German node) and the parsers read the English words.
 */

/** A command, and what to write to its stdin (then close it) when it reads one. */
export interface RemoteCommand {
  command: ShellCommand
  stdin?: string
}

export type {LibvirtUri}

export function parseLibvirtUri(uri: string): LibvirtUri {
  if (!(LIBVIRT_URIS as readonly string[]).includes(uri)) throw new Error(`libvirt URI ${JSON.stringify(uri)} is not one of ${LIBVIRT_URIS.join(', ')}`)
  return uri as LibvirtUri
}

// libvirt allows more, but a pool or volume name we pass must never start with `-` (virsh would
// read an option) and must stay one path component (volumes of a dir pool are files in it).
const POOL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/
const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/

export function checkPoolName(pool: string): string {
  if (!POOL_NAME.test(pool)) throw new Error(`storage pool name ${JSON.stringify(pool)} must be letters, digits, '_', '.', '+', '-' (not starting with one of the last four), at most 64`)
  return pool
}

export function checkVolumeName(volume: string): string {
  if (!VOLUME_NAME.test(volume) || volume === '.' || volume === '..') {
    throw new Error(`volume name ${JSON.stringify(volume)} must be letters, digits, '_', '.', '+', '-' (not starting with one of the last four), at most 128`)
  }
  return volume
}

/** `env LC_ALL=C virsh -c <uri> <args...>`: `env` so it works whatever the login shell is. */
export function virsh(uri: LibvirtUri, ...args: string[]): ShellCommand {
  return command('env', 'LC_ALL=C', 'virsh', '-c', parseLibvirtUri(uri), ...args)
}

/** Capacity, allocation and free space in bytes (`--bytes`: the default rounds to 0.01 GiB). */
export function poolInfoCommand(uri: LibvirtUri, pool: string): RemoteCommand {
  return {command: virsh(uri, 'pool-info', checkPoolName(pool), '--bytes')}
}

/** The pool's XML: its target path is where volume paths (and so disk paths in the domain XML) live. */
export function poolDumpXmlCommand(uri: LibvirtUri, pool: string): RemoteCommand {
  return {command: virsh(uri, 'pool-dumpxml', checkPoolName(pool))}
}

/** Makes libvirt rescan the pool's directory: needed after anything but libvirt wrote to it. */
export function poolRefreshCommand(uri: LibvirtUri, pool: string): RemoteCommand {
  return {command: virsh(uri, 'pool-refresh', checkPoolName(pool))}
}

export function volListCommand(uri: LibvirtUri, pool: string): RemoteCommand {
  return {command: virsh(uri, 'vol-list', checkPoolName(pool))}
}

export interface OverlaySpec {
  pool: string
  volume: string
  /** The disk the guest sees; the file only grows as the guest writes. */
  sizeGiB: number
  /** The node's prepared image in the same pool, left untouched: every write goes to the overlay. */
  baseVolume: string
}

/**
 * A qcow2 copy-on-write overlay over the base image. virsh's `G` is GiB. The caller must ask
 * for at least the base image's virtual size: libvirt 9.0 creates a smaller overlay without a
 * word, and the guest then sees a disk cut short in the middle of its filesystem.
 */
export function createOverlayCommand(uri: LibvirtUri, spec: OverlaySpec): RemoteCommand {
  if (!Number.isInteger(spec.sizeGiB) || spec.sizeGiB < 1 || spec.sizeGiB > 65536) {
    throw new Error(`overlay size must be a whole number of GiB from 1 to 65536, got ${spec.sizeGiB}`)
  }
  return {
    command: virsh(
      uri,
      'vol-create-as',
      checkPoolName(spec.pool),
      checkVolumeName(spec.volume),
      `${spec.sizeGiB}G`,
      '--format',
      'qcow2',
      '--backing-vol',
      checkVolumeName(spec.baseVolume),
      '--backing-vol-format',
      'qcow2',
    ),
  }
}

/** A volume's virtual size in bytes (`Capacity`), e.g. a base image an overlay must not be smaller than. */
export function volInfoCommand(uri: LibvirtUri, pool: string, volume: string): RemoteCommand {
  return {command: virsh(uri, 'vol-info', '--pool', checkPoolName(pool), checkVolumeName(volume), '--bytes')}
}

/** The volume's path in the pool, for the domain XML (`vol-path` asks libvirt instead of guessing). */
export function volPathCommand(uri: LibvirtUri, pool: string, volume: string): RemoteCommand {
  return {command: virsh(uri, 'vol-path', '--pool', checkPoolName(pool), checkVolumeName(volume))}
}

/**
 * Zeroes a volume before it is deleted, so the next tenant's overlay cannot read this one's
 * blocks. Not every pool type can (some network and LVM thin pools refuse); see release-plan.ts.
 */
export function volWipeCommand(uri: LibvirtUri, pool: string, volume: string): RemoteCommand {
  return {command: virsh(uri, 'vol-wipe', '--pool', checkPoolName(pool), checkVolumeName(volume), '--algorithm', 'zero')}
}

export function volDeleteCommand(uri: LibvirtUri, pool: string, volume: string): RemoteCommand {
  return {command: virsh(uri, 'vol-delete', '--pool', checkPoolName(pool), checkVolumeName(volume))}
}

/** Defines (or redefines) a persistent domain; the XML travels on stdin, never on the command line. */
export function defineCommand(uri: LibvirtUri, xml: string): RemoteCommand {
  return {command: virsh(uri, 'define', '/dev/stdin'), stdin: xml}
}

export function startCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {command: virsh(uri, 'start', parseDomainName(domain))}
}

/** `running (booted)`: the reason says why a domain is off or crashed (destroyed, shutdown, failed). */
export function domStateCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {command: virsh(uri, 'domstate', parseDomainName(domain), '--reason')}
}

/**
 * Where a guest's address comes from: `lease` asks the libvirt network's dnsmasq (needs no
 * guest cooperation, only for libvirt-managed networks), `agent` asks qemu-guest-agent inside
 * the guest (works on bridged networks, once the agent runs), `arp` reads the host's ARP
 * table (works anywhere, but only after the guest sent traffic).
 */
export type AddressSource = 'lease' | 'agent' | 'arp'

/** The order to try them in. */
export const ADDRESS_SOURCES: readonly AddressSource[] = ['lease', 'agent', 'arp']

export function domIfAddrCommand(uri: LibvirtUri, domain: DomainName, source: AddressSource): RemoteCommand {
  if (!ADDRESS_SOURCES.includes(source)) throw new Error(`address source must be one of ${ADDRESS_SOURCES.join(', ')}`)
  return {command: virsh(uri, 'domifaddr', parseDomainName(domain), '--source', source)}
}

/** Asks the guest to power off (ACPI); it may ignore it. Release does not wait for this. */
export function shutdownCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {command: virsh(uri, 'shutdown', parseDomainName(domain))}
}

/** Pulls the plug: the domain stops at once and its GPUs go back to the host. */
export function destroyCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {command: virsh(uri, 'destroy', parseDomainName(domain))}
}

/**
 * Removes the definition and everything libvirt keeps beside it (NVRAM of an EFI slice, a
 * managed-save image, snapshot and checkpoint metadata). Storage is deliberately not part of
 * it: see release-plan.ts for why volumes are wiped and deleted by name afterwards.
 */
export function undefineCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {
    command: virsh(uri, 'undefine', parseDomainName(domain), '--nvram', '--managed-save', '--snapshots-metadata', '--checkpoints-metadata'),
  }
}

/** Every domain name, running or not, one per line. */
export function listAllNamesCommand(uri: LibvirtUri): RemoteCommand {
  return {command: virsh(uri, 'list', '--all', '--name')}
}

export function dumpXmlCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {command: virsh(uri, 'dumpxml', parseDomainName(domain))}
}

/** Just our metadata element: a cheaper read than dumpxml when listing a node's slices. */
export function metadataCommand(uri: LibvirtUri, domain: DomainName): RemoteCommand {
  return {command: virsh(uri, 'metadata', parseDomainName(domain), INSTANCE_METADATA_NAMESPACE)}
}
