import {useCallback, useEffect, useRef, useState} from 'react'

import {errorText} from '../model/error-text.js'

export interface Polled<T> {
  data: T | undefined
  /** The last failure, as one line; the last good data stays on screen beside it. */
  error: string | null
  /** Epoch ms of the last good reply. */
  receivedAt: number | null
  refresh(): void
}

/**
 * Calls `fetch` now and every `intervalMs`, one call at a time. A failure is shown, never thrown:
 * the dashboard keeps the last good data and tries again on the next tick.
 */
export function usePoll<T>(fetch: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: readonly unknown[], now: () => number): Polled<T> {
  const key = JSON.stringify(deps)
  const [state, setState] = useState<{key: string; data: T | undefined; error: string | null; receivedAt: number | null}>({key, data: undefined, error: null, receivedAt: null})
  const fetchRef = useRef(fetch)
  fetchRef.current = fetch
  // One poller per `deps`: a reply for the previous deps (another session's events) is dropped.
  const poller = useRef<{key: string; busy: boolean; abort: AbortController} | null>(null)

  const run = useCallback(() => {
    const current = poller.current
    if (!current || current.busy) return
    current.busy = true
    fetchRef.current(current.abort.signal).then(
      (data) => {
        if (!current.abort.signal.aborted) setState({key: current.key, data, error: null, receivedAt: now()})
      },
      (err: unknown) => {
        if (!current.abort.signal.aborted) setState((s) => (s.key === current.key ? {...s, error: errorText(err)} : {key: current.key, data: undefined, receivedAt: null, error: errorText(err)}))
      },
    ).finally(() => {
      current.busy = false
    })
  }, [now])

  useEffect(() => {
    poller.current = {key, busy: false, abort: new AbortController()}
    const mine = poller.current
    run()
    const timer = setInterval(run, intervalMs)
    return () => {
      clearInterval(timer)
      mine.abort.abort()
    }
  }, [run, intervalMs, key])

  const fresh = state.key === key
  return {data: fresh ? state.data : undefined, error: fresh ? state.error : null, receivedAt: fresh ? state.receivedAt : null, refresh: run}
}
