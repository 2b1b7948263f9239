import {accessSync, constants, mkdirSync} from 'node:fs'
import {resolve} from 'node:path'

import type {Simulators, startSimulators} from '../../sim/index.js'
import {EXIT} from '../exit-codes.js'
import {flagError, UserError} from '../errors.js'

/** What the CLI takes from `src/sim/index.ts`: both simulated marketplaces, started together. */
export interface SimModule {
  startSimulators: typeof startSimulators
}

/**
 * The directory a `--state-dir` names, made if missing (0700: the simulated machines' SSH host
 * keys are kept there) and checked writable, as an absolute path; a usage error naming the flag
 * otherwise.
 */
export function prepareStateDir(flag: string, dir: string): string {
  if (dir.trim() === '') throw flagError(flag, 'must not be empty')
  const path = resolve(dir)
  try {
    mkdirSync(path, {recursive: true, mode: 0o700})
    accessSync(path, constants.W_OK)
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EEXIST' || (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is not a directory' : 'is not a directory this user can write'
    throw flagError(flag, `${reason} (${path})`, 'Give a directory you can write, e.g. ~/.local/state/gpu-shopper-sim.')
  }
  return path
}

/** `sim start`'s result: where each simulated marketplace listens. */
export interface SimulatorUrls {
  vastai_url: string
  tensordock_url: string
}

export function simulatorUrls(sims: Simulators): SimulatorUrls {
  return {vastai_url: sims.vastai.url, tensordock_url: sims.tensordock.url}
}

/** The environment a daemon needs to use the simulators, as shell assignments (any key works). */
export function simulatorEnvLines(urls: SimulatorUrls): string[] {
  return [`VASTAI_API_URL=${urls.vastai_url}`, `TENSORDOCK_API_URL=${urls.tensordock_url}`]
}

/**
 * The simulators pull in ssh2 and HTTP servers: loaded by import() only in the commands that
 * run them (the type-only import above is erased, so other commands never load them). A test
 * hands in an import that fails, as a build without the simulators would.
 */
export async function loadSimulators(importSimulators: () => Promise<SimModule> = () => import('../../sim/index.js')): Promise<SimModule> {
  try {
    return await importSimulators()
  } catch (err) {
    throw new UserError(`the simulated marketplaces are not available in this build: ${(err as Error).message}`, {
      errorType: 'internal_error',
      exitCode: EXIT.INTERNAL,
      fix: 'Rebuild with `npm run build`.',
    })
  }
}
