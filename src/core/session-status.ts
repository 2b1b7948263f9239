/**
 * Session lifecycle: pending → provisioning → running → stopping → stopped, and failed from
 * any non-terminal state. A session that keeps its disk (`storage_policy: preserve`) goes from
 * stopping to preserved (its instance stopped, billing storage only), and from there back to
 * provisioning when resumed, or to stopping when destroyed. Anything else is a bug and is refused.
 */
export const SESSION_STATUSES = ['pending', 'provisioning', 'running', 'stopping', 'stopped', 'failed', 'preserved'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]

const TRANSITIONS: Record<SessionStatus, readonly SessionStatus[]> = {
  pending: ['provisioning', 'stopping', 'failed'],
  provisioning: ['running', 'stopping', 'failed'],
  running: ['stopping', 'failed'],
  stopping: ['stopped', 'failed', 'preserved'],
  stopped: [],
  failed: [],
  preserved: ['provisioning', 'stopping', 'failed'],
}

export function isSessionStatus(value: string): value is SessionStatus {
  return (SESSION_STATUSES as readonly string[]).includes(value)
}

export function canTransition(from: SessionStatus, to: SessionStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

export function isTerminal(status: SessionStatus): boolean {
  return TRANSITIONS[status].length === 0
}

/** Statuses in which a provider instance may exist and cost money. */
export function isLive(status: SessionStatus): boolean {
  return !isTerminal(status)
}

export const LIVE_STATUSES: readonly SessionStatus[] = SESSION_STATUSES.filter(isLive)

/** The quick start's GPUaaS vocabulary, one to one. */
export const ALLOCATION_STATUS: Record<SessionStatus, string> = {
  pending: 'requested',
  provisioning: 'provisioning',
  running: 'active',
  stopping: 'releasing',
  stopped: 'released',
  failed: 'failed',
  preserved: 'preserved',
}
