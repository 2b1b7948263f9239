import {vi} from 'vitest'

export interface CapturedOutput {
  stdout(): string
  stderr(): string
  restore(): void
}

/** Captures what an in-process command writes to stdout and stderr until `restore()`. */
export function captureOutput(): CapturedOutput {
  let stdout = ''
  let stderr = ''
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    restore() {
      out.mockRestore()
      err.mockRestore()
    },
  }
}
