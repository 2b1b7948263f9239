import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as delay} from 'node:timers/promises'

import {userEnv} from './user-env.js'

export interface TempHome {
  /** The GPU_SHOPPER_HOME directory. */
  home: string
  /** A user's environment (see userEnv) with GPU_SHOPPER_HOME set and anything that could reach a real server or provider removed. */
  env: NodeJS.ProcessEnv
  stateFile: string
  logFile: string
  /** Stops a daemon still running in this home (SIGTERM, then SIGKILL after 5 s) and removes the directory. */
  cleanup(): Promise<void>
}

const LEAKY_ENV = ['GPU_SHOPPER_SERVER', 'GPU_SHOPPER_TOKEN', 'VASTAI_API_KEY', 'VASTAI_API_URL', 'TENSORDOCK_API_TOKEN', 'TENSORDOCK_AUTH_ID', 'TENSORDOCK_API_URL']

/** A throwaway GPU_SHOPPER_HOME for one test; always pair with `cleanup()` in afterEach. */
export async function createTempHome(extraEnv: NodeJS.ProcessEnv = {}): Promise<TempHome> {
  const home = await mkdtemp(join(tmpdir(), 'gpu-shopper-test-'))
  const env: NodeJS.ProcessEnv = {...userEnv(), GPU_SHOPPER_HOME: home, NO_COLOR: '1', ...extraEnv}
  for (const name of LEAKY_ENV) if (!(name in extraEnv)) delete env[name]
  const stateFile = join(home, 'state', 'daemon.json')
  return {
    home,
    env,
    stateFile,
    logFile: join(home, 'state', 'daemon.log'),
    async cleanup() {
      await stopDaemonIn(stateFile)
      await rm(home, {recursive: true, force: true, maxRetries: 10})
    },
  }
}

async function stopDaemonIn(stateFile: string): Promise<void> {
  let pid: number
  try {
    pid = (JSON.parse(await readFile(stateFile, 'utf8')) as {pid: number}).pid
  } catch {
    return
  }
  const alive = () => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  if (!alive()) return
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 5_000
  while (alive() && Date.now() < deadline) await delay(50)
  if (alive()) process.kill(pid, 'SIGKILL')
}
