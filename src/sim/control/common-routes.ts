import {parseFaultConfig, type FaultInjector} from '../shared/faults.js'
import {jsonReply, type Reply} from '../shared/http-util.js'
import type {RequestLog} from '../shared/request-log.js'

export interface CommonControlDeps {
  faults: FaultInjector
  log: RequestLog
}

/**
 * The `/_sim/` routes every simulated provider shares: fault injection and the request log.
 * Returns null when the path is not one of them.
 */
export function handleCommonControl(method: string, path: string, url: URL, body: unknown, deps: CommonControlDeps): Reply | null {
  if (path === '/_sim/faults') {
    if (method === 'POST') {
      const config = parseFaultConfig(body)
      if (typeof config === 'string') return jsonReply(400, {success: false, error: 'invalid_args', msg: config})
      deps.faults.set(config)
      return jsonReply(200, {success: true, faults: renderFaults(deps.faults)})
    }
    if (method === 'DELETE') {
      deps.faults.clear()
      return jsonReply(200, {success: true})
    }
    if (method === 'GET') return jsonReply(200, {faults: renderFaults(deps.faults)})
  }
  if (path === '/_sim/requests') {
    if (method === 'GET') {
      const prefix = url.searchParams.get('path_prefix')
      const requests = deps.log.list().filter((r) => prefix === null || r.path.startsWith(prefix))
      return jsonReply(200, {requests})
    }
    if (method === 'DELETE') {
      deps.log.clear()
      return jsonReply(200, {success: true})
    }
  }
  return null
}

function renderFaults(faults: FaultInjector): Record<string, unknown> | null {
  const c = faults.current()
  if (!c) return null
  return {rate: c.rate, kinds: c.kinds, retry_after_seconds: c.retryAfterSeconds ?? null, paths: c.paths ?? null, count: c.count ?? null}
}
