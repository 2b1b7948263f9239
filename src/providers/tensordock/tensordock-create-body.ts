import {shellQuote} from '../../core/shell-quote.js'
import {TENSORDOCK_SSH_USER} from './tensordock-instance.js'
import type {TensorDockOfferKey} from './tensordock-offer-id.js'
import type {TensorDockDeployment} from './tensordock-offer.js'

export interface CreateBodyInput {
  offer: TensorDockOfferKey
  /** The instance label; TensorDock has no label field, so it travels as the VM name. */
  name: string
  image: string
  deployment: TensorDockDeployment
  /** Already checked with checkPublicKeys. */
  sshPublicKeys: string[]
  /** Forwarded besides SSH, each asked on its own number (the reply says which external port it got). */
  exposePorts?: readonly number[]
}

/**
 * Longest name we send. TensorDock documents no limit (nor does the terraform provider or
 * the third-party OpenAPI files); 128 is a conservative guess. A longer label is refused
 * rather than cut: the name is how an unknown-outcome create is found again, so it must
 * come back exactly as sent.
 */
export const MAX_NAME_LENGTH = 128

/** An OpenSSH public key line: a known key type, base64 blob, optional comment, one line. */
const PUBLIC_KEY_LINE = /^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp(?:256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}(?: [^\r\n]*)?$/
// eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a shell line
const CONTROL = /[\u0000-\u001f\u007f]/

/** Trimmed keys, or the reason they cannot be sent (no instance is created then). */
export function checkPublicKeys(keys: readonly string[]): {keys: string[]} | {problem: string} {
  const trimmed = keys.map((k) => k.trim())
  if (trimmed.length === 0) return {problem: 'TensorDock needs at least one SSH public key'}
  if (trimmed.some((k) => /PRIVATE KEY/.test(k))) return {problem: 'an SSH key is a private key, not an OpenSSH public key line'}
  if (trimmed.some((k) => CONTROL.test(k) || !PUBLIC_KEY_LINE.test(k))) return {problem: 'an SSH key is not a single OpenSSH public key line'}
  return {keys: trimmed}
}

export function checkInstanceName(name: string): string | null {
  if (name.trim() === '') return 'the instance label is empty'
  if (name.length > MAX_NAME_LENGTH) return `the instance label is longer than ${MAX_NAME_LENGTH} characters`
  // eslint-disable-next-line no-control-regex -- a name with control characters would not round-trip
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the instance label contains control characters'
  return null
}

/**
 * The `POST /api/v2/instances` body (providers.md §2.6), with both live fixes:
 * - `useDedicatedIp` and a port 22 forward: some locations silently ignored port forwards
 *   (BUG-008), and without either Ubuntu VMs are refused with "SSH port (22) must be
 *   forwarded".
 * - `ssh_key` is required but did not install the key live, and cloud-init's
 *   `ssh_authorized_keys` was unreliable (BUG-002); what worked was runcmd writing
 *   `authorized_keys` for both `root` and `user`, so every key goes in that way.
 */
export function buildCreateBody(input: CreateBodyInput): Record<string, unknown> {
  const [firstKey] = input.sshPublicKeys
  return {
    data: {
      type: 'virtualmachine',
      attributes: {
        name: input.name,
        type: 'virtualmachine',
        image: input.image,
        location_id: input.offer.locationId,
        resources: {
          vcpu_count: input.deployment.vcpus,
          ram_gb: input.deployment.ramGb,
          storage_gb: input.deployment.storageGb,
          gpus: {[input.offer.v0Name]: {count: input.offer.gpuCount}},
        },
        useDedicatedIp: true,
        port_forwards: [22, ...(input.exposePorts ?? [])].map((port) => ({protocol: 'tcp', internal_port: port, external_port: port})),
        ssh_key: firstKey,
        cloud_init: {runcmd: authorizedKeysCommands(input.sshPublicKeys)},
      },
    },
  }
}

/**
 * Shell lines (cloud-init runs each with `sh`, as root, once per instance) that install every
 * key for root and for the default user. Keys are single-quoted for the shell and written
 * with `printf '%s\n'`, which, unlike echo, never reads backslashes in a comment. The
 * directory is created first (write_files ran before the home directories existed live), and
 * everything gets the owner and modes sshd insists on.
 */
export function authorizedKeysCommands(keys: readonly string[]): string[] {
  const commands: string[] = []
  for (const [user, home] of [['root', '/root'], [TENSORDOCK_SSH_USER, `/home/${TENSORDOCK_SSH_USER}`]] as const) {
    const dir = `${home}/.ssh`
    const file = `${dir}/authorized_keys`
    commands.push(`mkdir -p ${dir}`)
    for (const key of keys) commands.push(`printf '%s\\n' ${shellQuote(key)} >> ${file}`)
    commands.push(`chmod 700 ${dir}`, `chmod 600 ${file}`, `chown -R ${user}:${user} ${dir}`)
  }
  return commands
}
