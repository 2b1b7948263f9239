import {stripVTControlCharacters as stripAnsi} from 'node:util'

import {render} from 'ink-testing-library'
import type {ReactElement} from 'react'

/** What a terminal sends for the keys the dashboard reads. */
export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  right: '\u001B[C',
  left: '\u001B[D',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  home: '\u001B[H',
  end: '\u001B[F',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  backspace: '\u007F',
  ctrlC: '\u0003',
  ctrlK: '\u000B',
} as const

export interface RenderedTui {
  /** The last frame as plain text. */
  frame(): string
  /** Types text one keystroke at a time, as a person would. */
  type(text: string): Promise<void>
  press(key: keyof typeof KEYS): Promise<void>
  /** Polls the frame until `expected` shows (or the predicate holds); fails with the last frame after the deadline. */
  waitFor(expected: string | RegExp | ((frame: string) => boolean), timeoutMs?: number): Promise<string>
  resize(columns: number, rows: number): void
  unmount(): void
  stdout: {frames: string[]}
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

/**
 * Renders an element with ink-testing-library at a given terminal size and drives it with real
 * keystrokes written to its stdin. Nothing waits a fixed time: every check polls with a deadline.
 */
export function renderTui(element: ReactElement, size: {columns?: number; rows?: number} = {}): RenderedTui {
  const instance = render(element)
  const stdout = instance.stdout as unknown as NodeJS.EventEmitter & {frames: string[]}
  const resize = (columns: number, rows: number) => {
    Object.defineProperty(stdout, 'columns', {value: columns, configurable: true})
    Object.defineProperty(stdout, 'rows', {value: rows, configurable: true})
    stdout.emit('resize')
  }
  resize(size.columns ?? 120, size.rows ?? 40)
  const frame = () => stripAnsi(instance.lastFrame() ?? '')
  const write = async (data: string) => {
    instance.stdin.write(data)
    await tick()
  }
  return {
    frame,
    stdout,
    resize,
    unmount: () => instance.unmount(),
    async type(text) {
      for (const ch of text) await write(ch)
    },
    press: (key) => write(KEYS[key]),
    async waitFor(expected, timeoutMs = 15_000) {
      const matches =
        typeof expected === 'function' ? expected : (f: string) => (typeof expected === 'string' ? f.includes(expected) : expected.test(f))
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const current = frame()
        if (matches(current)) return current
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(expected)}; last frame:\n${current}`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
    },
  }
}
