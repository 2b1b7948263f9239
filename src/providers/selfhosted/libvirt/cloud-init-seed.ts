import {parseRegistrableKey} from '../../../ssh/key-policy.js'
import {parseDomainName, type DomainName} from './domain-names.js'

/**
 * The NoCloud seed a slice boots with: cloud-init finds a volume labelled `cidata` and reads
 * `meta-data`, `user-data` and, when present, `network-config` from it. There is no YAML library
 * among our dependencies; JSON is valid YAML (cloud-init reads these files with a YAML loader),
 * and JSON.stringify cannot produce a document that means something other than its input.
 */

/** The one account on a slice; root cannot log in over SSH. */
export const SLICE_USER = 'gpu'

// One DNS label (RFC 1123): what `hostname` and every DHCP client accept without surprises.
const HOSTNAME = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/

export function checkHostname(hostname: string): string {
  if (!HOSTNAME.test(hostname)) {
    throw new Error(`hostname ${JSON.stringify(hostname)} must be 1-63 lower-case letters, digits and '-', not starting or ending with '-'`)
  }
  return hostname
}

/**
 * One `authorized_keys` line as cloud-init will write it: the key re-encoded from what it
 * parsed (so no options like `command=` can ride along) and the comment kept when it is plain
 * text. Throws without quoting the input, which may be a private key pasted by mistake.
 */
export function authorizedKeyLine(line: string): string {
  // The shared policy first: it recognises a private key pasted by mistake and says so.
  const parsed = parseRegistrableKey(line)
  if (/[\r\n]/.test(line.trim())) throw new Error('an SSH public key must be one line')
  const [, , ...rest] = line.trim().split(/\s+/)
  const comment = rest.join(' ')
  // eslint-disable-next-line no-control-regex -- a comment with control characters would corrupt authorized_keys
  if (/[\u0000-\u001f\u007f]/.test(comment)) throw new Error('the SSH public key comment has control characters')
  return comment === '' ? parsed.canonical : `${parsed.canonical} ${comment}`
}

/** `meta-data`: the instance id is the domain name, so cloud-init reruns only for a new slice. */
export function buildMetaData(domain: DomainName, hostname: string): string {
  return `${JSON.stringify({'instance-id': parseDomainName(domain), 'local-hostname': checkHostname(hostname)}, null, 2)}\n`
}

/**
 * `user-data`: the `gpu` user with passwordless sudo and the session's keys, nothing for root.
 * Listing `users` without `default` also keeps the image's stock account (ubuntu, debian) away.
 */
export function buildUserData(authorizedKeys: readonly string[]): string {
  if (authorizedKeys.length === 0) throw new Error('a slice needs at least one SSH public key, or nobody can log in')
  const keys = authorizedKeys.map(authorizedKeyLine)
  const config = {
    users: [
      {
        name: SLICE_USER,
        shell: '/bin/bash',
        sudo: 'ALL=(ALL) NOPASSWD:ALL',
        lock_passwd: true,
        ssh_authorized_keys: keys,
      },
    ],
    ssh_pwauth: false,
    disable_root: true,
  }
  // The first line is how cloud-init tells cloud-config from a script; it must be exact.
  return `#cloud-config\n${JSON.stringify(config, null, 2)}\n`
}

/**
 * `network-config` (version 2): DHCP on every Ethernet device whatever the image names it
 * (`eth0`, `ens3`, `enp1s0`). Opt-in: without the file cloud-init's fallback does the same on
 * the first NIC, and it works on every renderer, while a glob in `match.name` is only honoured
 * where netplan or networkd renders it (Ubuntu), not by the ifupdown/sysconfig renderers.
 */
export function buildNetworkConfig(): string {
  const config = {
    version: 2,
    ethernets: {
      primary: {match: {name: 'e*'}, dhcp4: true},
    },
  }
  return `${JSON.stringify(config, null, 2)}\n`
}

export interface SeedFile {
  name: 'meta-data' | 'user-data' | 'network-config'
  content: string
}

export interface NoCloudSeedSpec {
  domain: DomainName
  hostname: string
  authorizedKeys: readonly string[]
  /** Adds `network-config` (see {@link buildNetworkConfig}); off by default. */
  networkConfig?: boolean
}

/** The seed's files in the order they go on the ISO. */
export function buildNoCloudSeed(spec: NoCloudSeedSpec): SeedFile[] {
  const files: SeedFile[] = [
    {name: 'meta-data', content: buildMetaData(spec.domain, spec.hostname)},
    {name: 'user-data', content: buildUserData(spec.authorizedKeys)},
  ]
  if (spec.networkConfig === true) files.push({name: 'network-config', content: buildNetworkConfig()})
  return files
}
