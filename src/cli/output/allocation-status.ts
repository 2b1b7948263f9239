import type {SessionEventDto} from '../../core/api/sessions.js'
import {ALLOCATION_STATUS, SESSION_STATUSES, type SessionStatus} from '../../core/session-status.js'
import {eventLine} from './session-summary.js'

/**
 * The allocation states in lifecycle order, derived from the session mapping so the CLI does not
 * load the zod contract (src/core/api/allocations.ts) for one list of words.
 */
export const ALLOCATION_STATUSES: readonly string[] = SESSION_STATUSES.map((s) => ALLOCATION_STATUS[s])

/** An allocation is a session seen through the quick start's words: running → active, stopped → released. */
export function allocationStatusOf(status: string): string {
  return ALLOCATION_STATUS[status as SessionStatus] ?? status
}

/** A session event narrated in the allocation vocabulary: "14:02:11  requested → provisioning  offer reserved". */
export function allocationEventLine(event: Pick<SessionEventDto, 'at' | 'from_status' | 'to_status' | 'message'>): string {
  return eventLine({
    ...event,
    from_status: event.from_status === null ? null : allocationStatusOf(event.from_status),
    to_status: event.to_status === null ? null : allocationStatusOf(event.to_status),
  })
}
