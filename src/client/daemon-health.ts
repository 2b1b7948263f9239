import {httpFetch} from './http-transport.js'

/** What the daemon's `/health` says: ok, still reconciling after a start, nothing, or another status. */
export type HealthProbe = 'ok' | 'starting' | 'unreachable' | `HTTP ${number}`

/** One look at `/health`, never throwing: every command that finds a daemon asks it this first. */
export async function probeHealth(url: string, timeoutMs = 2_000): Promise<HealthProbe> {
  try {
    const response = await httpFetch(new URL('/health', url), {signal: AbortSignal.timeout(timeoutMs)})
    const body = (await response.json().catch(() => null)) as {status?: string} | null
    if (response.ok && body?.status === 'ok') return 'ok'
    if (body?.status === 'starting') return 'starting'
    return `HTTP ${response.status}`
  } catch {
    return 'unreachable'
  }
}
