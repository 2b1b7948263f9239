import {useStdout} from 'ink'
import {useEffect, useState} from 'react'

export interface TerminalSize {
  columns: number
  rows: number
}

function read(stdout: NodeJS.WriteStream): TerminalSize {
  // A stream that is not a terminal has no size; 100x30 keeps the layout sane there.
  return {columns: stdout.columns || 100, rows: stdout.rows || 30}
}

/** The terminal's size, updated on every resize. */
export function useTerminalSize(): TerminalSize {
  const {stdout} = useStdout()
  const [size, setSize] = useState(() => read(stdout))
  useEffect(() => {
    const onResize = () => setSize(read(stdout))
    stdout.on('resize', onResize)
    return () => {
      stdout.off('resize', onResize)
    }
  }, [stdout])
  return size
}
