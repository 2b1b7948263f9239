import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {stripVTControlCharacters} from 'node:util'

import {REPO_ROOT} from './cli.js'

export interface TtyResult {
  /** What the terminal showed (stdout and stderr together, as on a screen), without colours or carriage returns. */
  screen: string
  exitCode: number | null
}

const quote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`

/**
 * Runs the built CLI on a real pseudo-terminal (util-linux `script`), so stdin, stdout and
 * stderr are TTYs as for a person at a terminal: tables, prompts and colour decisions are the
 * ones a user sees. `input` is typed into the terminal (a prompt reads it when it asks).
 */
export function runCliOnTty(args: string[], options: {env: NodeJS.ProcessEnv; input?: string; columns?: number; timeoutMs?: number}): Promise<TtyResult> {
  const command = [`stty cols ${options.columns ?? 120} rows 40 2>/dev/null;`, 'exec', quote(process.execPath), quote(join(REPO_ROOT, 'bin', 'run.js')), ...args.map(quote)].join(' ')
  return new Promise((resolve, reject) => {
    const child = execFile('script', ['-qefc', command, '/dev/null'], {env: options.env, timeout: options.timeoutMs ?? 60_000, encoding: 'utf8'}, (err, stdout) => {
      if (err && typeof (err as {code?: unknown}).code !== 'number') return reject(err)
      resolve({screen: stripVTControlCharacters(stdout).replaceAll('\r', ''), exitCode: child.exitCode})
    })
    child.stdin!.end(options.input ?? '')
  })
}
