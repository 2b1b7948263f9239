import {homedir} from 'node:os'
import {resolve} from 'node:path'

import type {NodeBody} from '../../core/api/nodes.js'
import {MAX_CPU_SLICES, MAX_PRICE_USD_PER_HOUR} from '../../core/limits.js'
import {LIBVIRT_NAME, LIBVIRT_NAME_RULE, LIBVIRT_URIS, NODE_NAME, NODE_NAME_RULE, VIRT_TYPES, type VirtType} from '../../core/node.js'
import {flagError} from '../errors.js'
import {checkReadableFile} from './local-path.js'
import {checkIntRange, checkNumberRange} from './validate.js'

export interface NodeAddFlags {
  name: string
  host: string
  port: number
  user: string
  'identity-file': string
  region: string
  /** USD, as typed: `0.50`. */
  'price-per-gpu-hour': string
  'cpu-slices': number
  'cpu-slice-price': string
  'libvirt-uri'?: string
  'storage-pool'?: string
  network?: string
  'base-image'?: string
  'virt-type'?: string
  'trust-host-key'?: string
}

export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/

/**
 * `nodes add` flags as the API body. The identity file is made absolute here (`~` and relative
 * paths mean what they mean in the user's shell) and checked readable, since the daemon reads
 * it from that path at every connection.
 */
export async function nodeBodyOf(flags: NodeAddFlags): Promise<NodeBody> {
  if (!NODE_NAME.test(flags.name)) throw flagError('name', `must be ${NODE_NAME_RULE} (got "${flags.name}")`)
  checkIntRange('port', flags.port, 1, 65535)
  const pricePerGpuHour = usdPerHour('price-per-gpu-hour', flags['price-per-gpu-hour'])
  checkIntRange('cpu-slices', flags['cpu-slices'], 0, MAX_CPU_SLICES, 'Use 0 for none, or how many CPU-only VMs may run at once.')
  const cpuSlicePrice = usdPerHour('cpu-slice-price', flags['cpu-slice-price'])
  const uri = flags['libvirt-uri']
  if (uri !== undefined && !(LIBVIRT_URIS as readonly string[]).includes(uri)) throw flagError('libvirt-uri', `must be one of ${LIBVIRT_URIS.join(', ')} (got "${uri}")`)
  for (const flag of ['storage-pool', 'network', 'base-image'] as const) {
    const value = flags[flag]
    if (value !== undefined && !LIBVIRT_NAME.test(value)) throw flagError(flag, `must be ${LIBVIRT_NAME_RULE} (got "${value}")`)
  }
  const virtType = flags['virt-type']
  if (virtType !== undefined && !(VIRT_TYPES as readonly string[]).includes(virtType)) throw flagError('virt-type', `must be one of ${VIRT_TYPES.join(', ')} (got "${virtType}")`)
  const trust = flags['trust-host-key']
  if (trust !== undefined && !HOST_KEY_FINGERPRINT.test(trust)) {
    throw flagError('trust-host-key', 'must be a fingerprint as `ssh-keygen -lf` prints it: SHA256: and 43 base64 characters', 'On the node: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')
  }
  const identityFile = resolve(flags['identity-file'].replace(/^~(?=$|\/)/, homedir()))
  await checkReadableFile('--identity-file', identityFile, 'it is the private key the daemon logs in to the node with')
  return {
    name: flags.name,
    host: flags.host,
    port: flags.port,
    user: flags.user,
    identity_file: identityFile,
    region: flags.region,
    price_per_gpu_hour: pricePerGpuHour,
    cpu_slices: flags['cpu-slices'],
    cpu_slice_price_per_hour: cpuSlicePrice,
    ...(uri === undefined ? {} : {libvirt_uri: uri as NodeBody['libvirt_uri']}),
    ...(flags['storage-pool'] === undefined ? {} : {storage_pool: flags['storage-pool']}),
    ...(flags.network === undefined ? {} : {network: flags.network}),
    ...(flags['base-image'] === undefined ? {} : {base_image: flags['base-image']}),
    ...(virtType === undefined ? {} : {virt_type: virtType as VirtType}),
    ...(trust === undefined ? {} : {trust_host_key: trust}),
  }
}

function usdPerHour(flag: string, text: string): number {
  if (!/^\d+(\.\d{1,6})?$/.test(text.trim())) throw flagError(flag, `must be USD per hour as a number, e.g. 0.50 (got "${text}")`)
  const value = Number(text)
  checkNumberRange(flag, value, 0, MAX_PRICE_USD_PER_HOUR)
  return value
}
