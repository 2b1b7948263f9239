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
  const [state, setState] = useState<{data: T | undefined; error: string | null; receivedAt: number | null}>({data: undefined, error: null, receivedAt: null})
  const fetchRef = useRef(fetch)
  fetchRef.current = fetch
  const busy = useRef(false)
  const controller = useRef<AbortController | null>(null)

  const run = useCallback(() => {
    if (busy.current) return
    busy.current = true
    const abort = new AbortController()
    controller.current = abort
    fetchRef.current(abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({data, error: null, receivedAt: now()})
      },
      (err: unknown) => {
        if (!abort.signal.aborted) setState((s) => ({...s, error: errorText(err)}))
      },
    ).finally(() => {
      busy.current = false
    })
  }, [now])

  useEffect(() => {
    busy.current = false
    run()
    const timer = setInterval(run, intervalMs)
    return () => {
      clearInterval(timer)
      controller.current?.abort()
    }
  }, [run, intervalMs, ...deps])

  return {...state, refresh: run}
}
