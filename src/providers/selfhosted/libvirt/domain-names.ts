import {instanceLabel, parseInstanceLabel} from '../../../core/instance-label.js'

/**
 * How a slice is named on its node. The domain name is the instance label with `:` turned
 * into `_` (libvirt allows `:` in names, but volume names become file names in the pool's
 * directory, and `:` in a path breaks qemu's `-drive file=` syntax and scp). Everything is
 * derived from the label, so a node can be reconciled from its names alone: a domain, or a disk
 * left without its domain, maps back to the session it belongs to.
 */

const PREFIX = 'gpu-shopper'
const OVERLAY_SUFFIX = '.qcow2'
const SEED_SUFFIX = '-seed.iso'

// Lower-case letters, digits and `-`, starting with a letter or digit: never `_` (our separator),
// never a leading `-` (virsh would read the name as an option). Ours are `dep-1a2b3c4d` and
// `sess-0a1b2c3d4e5f`; 40 is generous and keeps names far below any file name limit.
const IDENTIFIER = /^[a-z0-9][a-z0-9-]{0,39}$/

export type DomainName = string & {readonly __brand: 'DomainName'}

/** The parts of a label, both checked against the identifier rule. */
export interface SliceIdentity {
  deploymentId: string
  sessionId: string
}

export function isSliceIdentifier(value: string): boolean {
  return IDENTIFIER.test(value)
}

function checkIdentifier(what: string, value: string): void {
  if (!IDENTIFIER.test(value)) {
    throw new Error(`${what} ${JSON.stringify(value)} is not usable in a libvirt name: expected 1-40 lower-case letters, digits and '-', not starting with '-'`)
  }
}

/** The label's parts, or a throw when it is not a label of ours with valid identifiers. */
export function sliceIdentityOf(label: string): SliceIdentity {
  const parsed = parseInstanceLabel(label)
  if (!parsed) throw new Error(`${JSON.stringify(label)} is not an instance label (${PREFIX}:<deploymentId>:<sessionId>)`)
  checkIdentifier('deployment id', parsed.deploymentId)
  checkIdentifier('session id', parsed.sessionId)
  return parsed
}

/** `gpu-shopper:dep-1a2b3c4d:sess-0a1b2c3d4e5f` → `gpu-shopper_dep-1a2b3c4d_sess-0a1b2c3d4e5f`. */
export function domainNameOf(label: string): DomainName {
  const {deploymentId, sessionId} = sliceIdentityOf(label)
  return `${PREFIX}_${deploymentId}_${sessionId}` as DomainName
}

/** The label a domain name stands for, or null for any domain that is not one of ours. */
export function labelOfDomain(name: string): string | null {
  const parts = name.split('_')
  if (parts.length !== 3 || parts[0] !== PREFIX) return null
  const [, deploymentId = '', sessionId = ''] = parts
  if (!IDENTIFIER.test(deploymentId) || !IDENTIFIER.test(sessionId)) return null
  return instanceLabel(deploymentId, sessionId)
}

/** Checks a string taken from a node (`virsh list --name`) or a caller and brands it. */
export function parseDomainName(name: string): DomainName {
  if (labelOfDomain(name) === null) {
    throw new Error(`${JSON.stringify(name)} is not a gpu-shopper domain name (${PREFIX}_<deploymentId>_<sessionId>)`)
  }
  return name as DomainName
}

/** The slice's copy-on-write disk over the node's base image. */
export function overlayVolumeOf(domain: DomainName): string {
  return `${parseDomainName(domain)}${OVERLAY_SUFFIX}`
}

/** The slice's cloud-init NoCloud seed (a small ISO labelled `cidata`). */
export function seedVolumeOf(domain: DomainName): string {
  return `${parseDomainName(domain)}${SEED_SUFFIX}`
}

/** Every volume a slice owns, in the order they are best deleted (the big one first). */
export function volumesOf(domain: DomainName): string[] {
  return [overlayVolumeOf(domain), seedVolumeOf(domain)]
}

export type SliceVolumeKind = 'overlay' | 'seed'

/**
 * Which slice a volume of a pool belongs to, or null when it is not one of ours (the base
 * image, another deployment's tool, anything a person put there). Used to find disks whose
 * domain is gone: a crash between `vol-create-as` and `define` leaves exactly those.
 */
export function parseSliceVolumeName(volume: string): {label: string; domain: DomainName; kind: SliceVolumeKind} | null {
  for (const [suffix, kind] of [[SEED_SUFFIX, 'seed'], [OVERLAY_SUFFIX, 'overlay']] as const) {
    if (!volume.endsWith(suffix)) continue
    const domain = volume.slice(0, -suffix.length)
    const label = labelOfDomain(domain)
    if (label !== null) return {label, domain: domain as DomainName, kind}
  }
  return null
}
