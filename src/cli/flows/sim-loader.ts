import {accessSync, constants, mkdirSync} from 'node:fs'
import {resolve} from 'node:path'

import {EXIT} from '../exit-codes.js'
import {flagError, UserError} from '../errors.js'

/** What `src/sim/index.ts` offers the CLI: both simulated marketplaces, started together. */
export interface Simulators {
  vastai: {url: string}
  tensordock: {url: string}
  close(): Promise<void> | void
}

export interface SimulatorsOptions {
  host: string
  /** Port of the Vast.ai simulator; 0 picks a free one. */
  port: number
  /** Port of the TensorDock simulator; 0 picks a free one. */
  tensordockPort?: number
  seed?: number
  /** Offers the simulated Vast.ai market generates; the simulator's default when unset. */
  offerCount?: number
  /** Keep the marketplaces' state here across restarts. */
  stateDir?: string
}

export interface SimModule {
  startSimulators(options: SimulatorsOptions): Promise<Simulators>
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
 * The simulators pull in ssh2 and HTTP servers: loaded only by the commands that run them.
 * The specifier is a variable so the CLI type-checks even while src/sim is being written.
 */
export async function loadSimulators(specifier = '../../sim/index.js'): Promise<SimModule> {
  try {
    const mod = (await import(specifier)) as Partial<SimModule>
    if (typeof mod.startSimulators !== 'function') throw new Error('src/sim/index does not export startSimulators')
    return mod as SimModule
  } catch (err) {
    throw new UserError(`the simulated marketplaces are not available in this build: ${(err as Error).message}`, {
      errorType: 'internal_error',
      exitCode: EXIT.INTERNAL,
      fix: 'Rebuild with `npm run build`.',
    })
  }
}
