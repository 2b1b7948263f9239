import {flagError} from '../errors.js'
import {checkIntRange, checkNotBlank, checkNumberRange} from './validate.js'

export interface AllocationSpecFlags {
  sku?: string
  'gpu-type'?: string
  gpus?: number
  region?: string
  'max-price'?: number
  'ssh-key-id'?: string[]
}

export interface AllocationSpec {
  sku?: string
  gpu_type?: string
  gpus_total: number
  region_code?: string
  max_price?: number
  ssh_key_ids?: string[]
}

/** The API takes at most this many registered keys per allocation. */
const MAX_SSH_KEY_IDS = 20

/**
 * The spec part of `allocations create` as the API body, checked before anything is sent:
 * exactly one of --sku and --gpu-type (both would be two answers to one question).
 */
export function allocationSpec(flags: AllocationSpecFlags): AllocationSpec {
  checkNotBlank('sku', flags.sku)
  checkNotBlank('gpu-type', flags['gpu-type'])
  checkNotBlank('region', flags.region)
  const sku = flags.sku?.trim()
  const gpuType = flags['gpu-type']?.trim()
  if (sku && gpuType) throw flagError('sku', 'and --gpu-type name the same thing; give one', 'e.g. --sku rtx-4090 or --gpu-type "RTX 4090" (`gpu-shopper catalog list` shows the SKUs).')
  if (!sku && !gpuType) throw flagError('sku', 'is required (or --gpu-type): it says which GPU to allocate', 'Pick a SKU from `gpu-shopper catalog list`, e.g. --sku rtx-4090.')
  checkIntRange('gpus', flags.gpus, 1, 64)
  checkNumberRange('max-price', flags['max-price'], 0, 10_000)
  const keyIds = flags['ssh-key-id'] ?? []
  for (const id of keyIds) checkNotBlank('ssh-key-id', id)
  if (keyIds.length > MAX_SSH_KEY_IDS) throw flagError('ssh-key-id', `may be given at most ${MAX_SSH_KEY_IDS} times (got ${keyIds.length})`)
  return {
    ...(sku ? {sku} : {gpu_type: gpuType}),
    gpus_total: flags.gpus ?? 1,
    ...(flags.region ? {region_code: flags.region.trim()} : {}),
    ...(flags['max-price'] === undefined ? {} : {max_price: flags['max-price']}),
    ...(keyIds.length > 0 ? {ssh_key_ids: keyIds.map((id) => id.trim())} : {}),
  }
}
