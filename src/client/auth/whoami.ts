import {ApiError, DaemonUnreachableError} from '../errors.js'
import {httpFetch, type HttpFetch} from '../http-transport.js'

/** Who the server takes the bearer for (`GET /api/v1/auth/whoami`). */
export interface WhoAmI {
  user: string
  tenant: string
  role: string
  /** Epoch ms the server reads from the token; null when it does not expire (or did not say). */
  expires_at: number | null
}

const WHOAMI_TIMEOUT_MS = 15_000

/**
 * Asks the server who this token is. A refusal is the same ApiError (and so the same fix and
 * exit code) as any other command's.
 */
export async function fetchWhoAmI(server: string, accessToken: string, fetchImpl: HttpFetch = httpFetch): Promise<WhoAmI> {
  const url = `${server}/api/v1/auth/whoami`
  let res
  try {
    res = await fetchImpl(url, {headers: {accept: 'application/json', authorization: `Bearer ${accessToken}`}, signal: AbortSignal.timeout(WHOAMI_TIMEOUT_MS)})
  } catch (err) {
    throw new DaemonUnreachableError({
      url: server,
      reason: 'network',
      message: `could not reach ${server}: ${err instanceof Error ? err.message : String(err)}`,
      fix: 'Check the server URL (--server / GPU_SHOPPER_SERVER) and your network.',
      maybeDelivered: false,
    })
  }
  const text = await res.text()
  let body: Record<string, unknown> = {}
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    // Not JSON: reported below by status.
  }
  if (!res.ok) {
    const {error, error_type: errorType, request_id: requestId, ...details} = body
    throw new ApiError({
      status: res.status,
      errorType: typeof errorType === 'string' ? errorType : res.status === 401 ? 'unauthorized' : res.status === 403 ? 'forbidden' : 'http_error',
      message: typeof error === 'string' ? error : `GET /api/v1/auth/whoami: HTTP ${res.status}`,
      requestId: typeof requestId === 'string' ? requestId : null,
      details,
    })
  }
  return {
    user: String(body.user ?? ''),
    tenant: String(body.tenant ?? ''),
    role: String(body.role ?? ''),
    expires_at: instantOf(body.expires_at),
  }
}

/** The server's `expires_at` as epoch ms: it may send epoch ms or an ISO 8601 date-time. */
export function instantOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string') {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? null : ms
  }
  return null
}
