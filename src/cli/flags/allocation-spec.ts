import {MAX_GPU_COUNT, MAX_PRICE_USD_PER_HOUR} from '../../core/limits.js'
import {flagError} from '../errors.js'
import {sshKeyIdsFrom} from '../ssh/ssh-key-ids.js'
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
  checkIntRange('gpus', flags.gpus, 1, MAX_GPU_COUNT)
  checkNumberRange('max-price', flags['max-price'], 0, MAX_PRICE_USD_PER_HOUR)
  const keyIds = sshKeyIdsFrom(flags['ssh-key-id'])
  return {
    ...(sku ? {sku} : {gpu_type: gpuType}),
    gpus_total: flags.gpus ?? 1,
    ...(flags.region ? {region_code: flags.region.trim()} : {}),
    ...(flags['max-price'] === undefined ? {} : {max_price: flags['max-price']}),
    ...(keyIds.length > 0 ? {ssh_key_ids: keyIds} : {}),
  }
}
