import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {startDaemon, type DaemonOptions, type RunningDaemon} from '../../daemon/server.js'
import {createLogger} from '../../src/log/logger.js'

export interface TestDaemon {
  daemon: RunningDaemon
  home: string
  close(): Promise<void>
}

/**
 * A real daemon in this process, on a free loopback port, over the simulated marketplaces, in
 * a throwaway GPU_SHOPPER_HOME; quiet, quick to poll, no state file. `options` override any of
 * it; `env` is added to the home.
 */
export async function startTestDaemon(name: string, options: Partial<DaemonOptions> = {}): Promise<TestDaemon> {
  const home = mkdtempSync(join(tmpdir(), `gpu-shopper-${name}-`))
  const {env, timings, ...rest} = options
  const daemon = await startDaemon({
    port: 0,
    simulate: true,
    writeState: false,
    logger: createLogger({level: 'silent'}),
    ...rest,
    env: {GPU_SHOPPER_HOME: home, ...env},
    timings: {pollIntervalMs: 50, ...timings},
  }).catch((err: unknown) => {
    rmSync(home, {recursive: true, force: true, maxRetries: 10})
    throw err
  })
  return {
    daemon,
    home,
    async close() {
      await daemon.close()
      rmSync(home, {recursive: true, force: true, maxRetries: 10})
    },
  }
}
