import {EXIT} from './exit-codes.js'
import {UserError} from './errors.js'

/** What `src/sim/index.ts` offers the CLI. */
export interface Simulators {
  vastai: {url: string}
  close(): Promise<void> | void
}

export interface SimModule {
  startSimulators(options: {host: string; port: number; seed?: number}): Promise<Simulators>
}

/**
 * The simulators pull in ssh2 and HTTP servers: loaded only by the commands that run them.
 * The specifier is a variable so the CLI type-checks even while src/sim is being written.
 */
export async function loadSimulators(): Promise<SimModule> {
  const specifier = '../sim/index.js'
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
