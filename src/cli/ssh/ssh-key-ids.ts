import {MAX_SSH_KEY_IDS} from '../../core/limits.js'
import {flagError} from '../errors.js'
import {checkNotBlank} from '../flags/validate.js'

/** `--ssh-key-id` values as the API's `ssh_key_ids`: trimmed, none blank, within the limit. */
export function sshKeyIdsFrom(values: readonly string[] | undefined): string[] {
  const ids = values ?? []
  for (const id of ids) checkNotBlank('ssh-key-id', id)
  if (ids.length > MAX_SSH_KEY_IDS) throw flagError('ssh-key-id', `may be given at most ${MAX_SSH_KEY_IDS} times (got ${ids.length})`)
  return ids.map((id) => id.trim())
}
