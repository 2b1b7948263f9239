import {Flags} from '@oclif/core'

import {MAX_SSH_TIMEOUT_SECONDS, MIN_SSH_TIMEOUT_SECONDS} from '../../core/api/auto-retry.js'
import {DEFAULT_MAX_RETRIES, MAX_RETRIES_LIMIT, RETRY_SCOPES, type RetryScope} from '../../core/auto-retry.js'
import {flagError} from '../errors.js'
import {checkIntRange} from './validate.js'

/** Auto-retry on create, shared by `provision` and `allocations create`. */
export const retryFlags = {
  'auto-retry': Flags.boolean({description: 'If the host fails to boot or to let us in over SSH (see --ssh-timeout), destroy it and move to the next best comparable offer, each try its own session'}),
  'max-retries': Flags.integer({description: `With --auto-retry: tries after the first, 1-${MAX_RETRIES_LIMIT} (default ${DEFAULT_MAX_RETRIES})`}),
  'retry-scope': Flags.string({
    description: 'With --auto-retry: which offers count as comparable (same GPU count, at least the VRAM): the same GPU model, any model within 25% of the price, or any',
    options: [...RETRY_SCOPES],
  }),
  'ssh-timeout': Flags.integer({description: `Seconds the host has, from the create, to let us in over SSH before it counts as failed, ${MIN_SSH_TIMEOUT_SECONDS}-${MAX_SSH_TIMEOUT_SECONDS} (default: the provisioning timeout)`}),
}

export interface RetryBody {
  auto_retry?: boolean
  max_retries?: number
  retry_scope?: RetryScope
  ssh_timeout_seconds?: number
}

/** The create body's auto-retry fields (core/api/auto-retry.ts) from the flags. */
export function retryBody(flags: {'auto-retry'?: boolean; 'max-retries'?: number; 'retry-scope'?: string; 'ssh-timeout'?: number}): RetryBody {
  const body: RetryBody = {}
  if (!flags['auto-retry']) {
    for (const name of ['max-retries', 'retry-scope'] as const) {
      if (flags[name] !== undefined) throw flagError(name, 'only goes with --auto-retry', `Add --auto-retry, or drop --${name}.`)
    }
  } else {
    body.auto_retry = true
  }
  if (flags['max-retries'] !== undefined) {
    checkIntRange('max-retries', flags['max-retries'], 1, MAX_RETRIES_LIMIT)
    body.max_retries = flags['max-retries']
  }
  if (flags['retry-scope'] !== undefined) body.retry_scope = flags['retry-scope'] as RetryScope
  if (flags['ssh-timeout'] !== undefined) {
    checkIntRange('ssh-timeout', flags['ssh-timeout'], MIN_SSH_TIMEOUT_SECONDS, MAX_SSH_TIMEOUT_SECONDS)
    body.ssh_timeout_seconds = flags['ssh-timeout']
  }
  return body
}
