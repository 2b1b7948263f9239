/**
 * What a failed virsh command meant, from its stderr (LC_ALL=C). Release and reconciliation
 * are retried after crashes, so "it is already gone" must be told apart from a real failure:
 * destroying a domain that is not running, or deleting a volume that is not there, is done.
 */
export type VirshFailure =
  | 'domain-not-found'
  | 'domain-not-running'
  | 'volume-not-found'
  | 'volume-exists'
  | 'pool-not-found'
  | 'metadata-not-found'
  | 'agent-unavailable'
  | 'connection-failed'
  | 'other'

// libvirt's messages (src/util/virerror.c and virsh), stable across 6.x-10.x; the first match wins.
const PATTERNS: ReadonlyArray<readonly [RegExp, VirshFailure]> = [
  [/^error: failed to get domain '/m, 'domain-not-found'],
  [/Domain not found:/, 'domain-not-found'],
  [/domain is not running/, 'domain-not-running'],
  [/Storage volume not found:/, 'volume-not-found'],
  [/storage volume '[^']*' exists already/, 'volume-exists'],
  [/Storage pool not found:/, 'pool-not-found'],
  [/metadata not found:/, 'metadata-not-found'],
  [/QEMU guest agent is not (?:connected|configured)|Guest agent is not responding/, 'agent-unavailable'],
  [/failed to connect to the hypervisor|Failed to connect socket/, 'connection-failed'],
]

export function classifyVirshFailure(stderr: string): VirshFailure {
  for (const [pattern, failure] of PATTERNS) if (pattern.test(stderr)) return failure
  return 'other'
}

/** virsh's own message without the `error: ` prefixes, one line, for a finding or a log. */
export function virshErrorMessage(stderr: string): string {
  return stderr
    .split(/\r?\n/)
    .map((line) => line.replace(/^error:\s*/, '').trim())
    .filter((line) => line !== '')
    .join(': ')
}
