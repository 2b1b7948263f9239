import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {pollUntil} from './poll.js'
import {userEnv} from './user-env.js'

const root = join(import.meta.dirname, '..', '..')

export interface DaemonProcess {
  url: string
  token: string | null
  state: Record<string, unknown>
  child: ChildProcess
  output: () => string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts the built daemon (`dist/daemon/main.js`) as a real process in `home` and waits for its state file. */
export async function startDaemonProcess(home: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const entry = join(root, 'dist', 'daemon', 'main.js')
  if (!existsSync(entry)) throw new Error('dist/daemon/main.js is missing: run `npm run build` first')
  const child = spawn(process.execPath, [entry, '--port', '0', ...args], {
    env: {...userEnv(), ...env, GPU_SHOPPER_HOME: home},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (d) => (output += d))
  child.stderr!.on('data', (d) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stateFile = join(home, 'state', 'daemon.json')
  const state = await pollUntil(() => {
    if (child.exitCode !== null) throw new Error(`daemon exited with ${child.exitCode}: ${output}`)
    if (!existsSync(stateFile)) return undefined
    const parsed = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, unknown>
    return parsed.pid === child.pid ? parsed : undefined
  }, 'daemon state file', 30_000)
  return {
    url: state.url as string,
    token: (state.token as string | null) ?? null,
    state,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal)
      return exited
    },
  }
}

/** One authenticated JSON request to a daemon process; the body parsed whatever the status. */
export async function daemonApi(daemon: DaemonProcess, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{status: number; body: any}> {
  const res = await fetch(daemon.url + path, {
    method,
    headers: {authorization: `Bearer ${daemon.token}`, ...(body ? {'content-type': 'application/json'} : {}), ...headers},
    body: body ? JSON.stringify(body) : undefined,
  })
  return {status: res.status, body: await res.json()}
}
