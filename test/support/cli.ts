import {spawn} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const REPO_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const RUN = join(REPO_ROOT, 'bin', 'run.js')

export interface CliResult {
  stdout: string
  stderr: string
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** stdout parsed as the --json envelope; throws with both streams when it is not JSON. */
  json<T = unknown>(): {ok: boolean; data: T; warnings: string[]; error?: {message: string; error_type: string; fix?: string; exit_code: number; request_id?: string}}
}

export interface CliOptions {
  /** Usually `createTempHome().env`. */
  env: NodeJS.ProcessEnv
  input?: string
  timeoutMs?: number
  /** Sends SIGINT this many ms after start (to test Ctrl-C). */
  interruptAfterMs?: number
}

/**
 * Runs the built CLI (`bin/run.js`, so `npm run build` first) as a subprocess, as a user would,
 * without a TTY. Never rejects on a non-zero exit: tests assert on `exitCode`.
 */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], {env: options.env, stdio: ['pipe', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.stdin.end(options.input ?? '')
    const timeoutMs = options.timeoutMs ?? 60_000
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    const interrupter = options.interruptAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), options.interruptAfterMs)
    child.on('error', reject)
    child.on('close', (exitCode, signal) => {
      clearTimeout(killer)
      if (interrupter) clearTimeout(interrupter)
      resolve({
        stdout,
        stderr,
        exitCode,
        signal,
        json() {
          try {
            return JSON.parse(stdout)
          } catch {
            throw new Error(`stdout of \`gpu-shopper ${args.join(' ')}\` is not JSON (exit ${exitCode}).\nstdout:\n${stdout}\nstderr:\n${stderr}`)
          }
        },
      })
    })
  })
}
