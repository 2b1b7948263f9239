import {useEffect, useState} from 'react'

import {useServices} from '../services.js'

/** "Now" from the injected clock, re-read every `intervalMs` so ages and running costs tick. */
export function useNow(intervalMs = 1000): number {
  const {now} = useServices()
  const [value, setValue] = useState(now)
  useEffect(() => {
    const timer = setInterval(() => setValue(now()), intervalMs)
    return () => clearInterval(timer)
  }, [now, intervalMs])
  return value
}
