import {setTimeout as delay} from 'node:timers/promises'

/** Injected wherever the code waits, so tests can record the waits instead of spending them. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>

export const realSleep: Sleep = async (ms, signal) => {
  if (ms <= 0) {
    signal?.throwIfAborted()
    return
  }
  await delay(ms, undefined, signal ? {signal} : undefined)
}
