import {MAX_GPU_COUNT, MAX_PRICE_USD_PER_HOUR} from '../../core/limits.js'
import {EXIT} from '../exit-codes.js'
import {NO_INSTANCE_CREATED, UserError} from '../errors.js'
import {checkIntRange, checkNotBlank, checkNumberRange} from './validate.js'

/** What `provision` rents: one exact offer, or the best offer matching a spec (the daemon picks). */
export type ProvisionTarget =
  | {kind: 'offer'; offerId: string}
  | {kind: 'spec'; gpuType: string; gpus: number; region?: string; maxPrice?: number}

export interface TargetFlags {
  'offer-id'?: string
  'gpu-type'?: string
  gpus?: number
  region?: string
  'max-price'?: number
  'template-hash-id'?: string
  template?: string
}

function usage(message: string, fix: string): UserError {
  return new UserError(`${message} ${NO_INSTANCE_CREATED}`, {errorType: 'usage_error', exitCode: EXIT.USAGE, fix})
}

/**
 * Decides between `--offer-id` and provisioning by spec (`--gpu-type`), refusing mixes whose
 * meaning would be unclear: the spec flags describe what the daemon may pick, which an offer id
 * has already fixed.
 */
export function provisionTarget(flags: TargetFlags): ProvisionTarget {
  checkNotBlank('offer-id', flags['offer-id'])
  checkNotBlank('gpu-type', flags['gpu-type'])
  checkNotBlank('region', flags.region)
  checkNotBlank('template', flags.template)
  const offerId = flags['offer-id']?.trim()
  const gpuType = flags['gpu-type']?.trim()
  if (offerId && gpuType) {
    throw usage(
      '--offer-id and --gpu-type cannot be combined: --offer-id rents that exact offer, --gpu-type lets the daemon pick the best offer for a spec.',
      'Drop one of them.',
    )
  }
  if (offerId) {
    const specOnly = (['gpus', 'region', 'max-price'] as const).filter((name) => flags[name] !== undefined)
    if (specOnly.length > 0) {
      const one = specOnly.length === 1
      throw usage(
        `${specOnly.map((n) => `--${n}`).join(', ')} ${one ? 'describes a spec and only goes' : 'describe a spec and only go'} with --gpu-type; the offer named by --offer-id already fixes ${one ? 'it' : 'them'}.`,
        `Drop ${one ? 'it' : 'them'}, or replace --offer-id with --gpu-type to let the daemon pick the offer.`,
      )
    }
    return {kind: 'offer', offerId}
  }
  if (!gpuType) {
    throw usage(
      'Say what to rent: --offer-id <ID> (an offer from `inventory`) or --gpu-type <MODEL> (the daemon picks the best matching offer).',
      'e.g. `gpu-shopper provision --gpu-type "RTX 4090" --gpus 1 --max-price 0.5 --region US`, or pick an ID from `gpu-shopper inventory`.',
    )
  }
  // --template picks among the offers that can run it; a raw hash cannot be checked against them.
  if (flags['template-hash-id'] !== undefined) {
    throw usage(
      '--template-hash-id is a raw Vast.ai template hash and only goes with --offer-id.',
      'Use --template vastai-<hash> (`gpu-shopper templates list`), which picks among the offers that can run it, or rent an offer with --offer-id.',
    )
  }
  checkIntRange('gpus', flags.gpus, 1, MAX_GPU_COUNT)
  checkNumberRange('max-price', flags['max-price'], 0, MAX_PRICE_USD_PER_HOUR)
  return {kind: 'spec', gpuType, gpus: flags.gpus ?? 1, region: flags.region?.trim(), maxPrice: flags['max-price']}
}
